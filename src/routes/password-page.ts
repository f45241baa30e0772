import { Router, type ErrorRequestHandler, type Response } from 'express';
import { DEMO_ACCOUNTS } from 'lastfm-sign-in/testing';
import { SignInError } from 'lastfm-sign-in/express';
import type { Config } from '../config';
import { HttpError } from '../errors';
import { SIGN_IN_INSTEAD, signInFailurePage } from '../failure-pages';
import { pageRefusalReason, passwordRefusalReason } from '../lastfm/password-transport';
import { wantsJson } from '../wants-json';

interface FormState {
  username: string;
  /** `invalid`: the refusal is about what was typed (missing, or wrong credentials), so the fields are marked. */
  problem?: { title: string; message: string; invalid: boolean };
}

/** What of a refused POST shows on the form itself rather than on an error page. */
const ON_THE_FORM: ReadonlySet<string> = new Set(['credentials-missing', 'wrong-password', 'password-refused']);

/**
 * The password form at /auth/mobile; the flow behind it is the library's (POST /auth/mobile). The
 * password is never put back into the form: only the user name is kept.
 */
export function createPasswordPage(config: Config): { page: Router; formErrors: ErrorRequestHandler } {
  const refusal = pageRefusalReason(config.publicUrl) ?? passwordRefusalReason(config.lastfm.apiUrl, config.sandbox);
  // The sandbox's accounts are public (its own page lists them); on real Last.fm there are none to show.
  const demoAccounts = config.sandbox ? DEMO_ACCOUNTS.map(({ name, email, password }) => ({ name, email, password })) : [];

  const renderForm = (res: Response, status: number, form: FormState): void => {
    const title = form.problem === undefined ? 'Sign in with your Last.fm password' : `Error: ${form.problem.title}`;
    res.status(status).render('mobile', { title, refusal, demoAccounts, username: form.username, problem: form.problem });
  };

  const page = Router();
  page.get('/', (_req, res) => {
    renderForm(res, refusal === undefined ? 200 : 403, { username: '' });
  });

  /** The form again with what went wrong and the user name kept; JSON clients and other failures go on to the error edge. */
  const formErrors: ErrorRequestHandler = (error: unknown, req, res, next) => {
    if (!(error instanceof SignInError) || !ON_THE_FORM.has(error.code) || req.method !== 'POST') {
      next(error);
      return;
    }
    // The library refuses on the same grounds as this app (plain http to another machine); the app's words name its settings.
    if (error.code === 'password-refused') {
      if (wantsJson(req)) next(new HttpError(403, 'Password sign-in is switched off here', refusal ?? error.message, { action: SIGN_IN_INSTEAD }));
      else renderForm(res, 403, { username: '' });
      return;
    }
    if (wantsJson(req)) {
      next(error);
      return;
    }
    const body = req.body as Record<string, unknown> | undefined;
    const username = typeof body?.username === 'string' ? body.username.trim() : '';
    const problem = signInFailurePage(error, 'mobile-sign-in', config.publicUrl);
    renderForm(res, problem.status, { username, problem: { title: problem.title, message: problem.message, invalid: true } });
  };

  return { page, formErrors };
}
