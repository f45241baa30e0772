import { Router, type Request, type Response } from 'express';
import { kindOfCode, type LastfmClient } from 'lastfm-sign-in';
import { DEMO_ACCOUNTS } from 'lastfm-sign-in/testing';
import { knownDeviceFor, rememberDevice } from '../../known-device';
import type { Config } from '../../config';
import { HttpError, LastfmError } from '../../errors';
import { pageRefusalReason, passwordRefusalReason } from '../../lastfm/password-transport';
import type { PasswordAttempts } from '../../password-attempts';
import type { LastfmSignIn } from 'lastfm-sign-in/express';
import { lastfmFailure } from '../../failure-pages';
import { wantsJson } from '../../wants-json';
import { lastfmFor } from '../caller';
import { optionalString } from '../input';

export interface MobileRoutesDeps {
  config: Config;
  lastfm: LastfmClient;
  now: () => number;
  attempts: PasswordAttempts;
  /** Signs the person in, the library's way. */
  signIn: Pick<LastfmSignIn, 'signIn'>;
}

interface FormState {
  username: string;
  /** `invalid`: the refusal is about what was typed (missing, or wrong credentials), so the fields are marked. */
  problem?: { title: string; message: string; invalid: boolean };
}

/**
 * The password flow, mounted at /auth/mobile. The password is read from the form body, passed to the Last.fm client and
 * dropped: it is never stored, logged, put back into the form or into a URL.
 */
export function createMobileSignIn({ config, lastfm, now, attempts, signIn }: MobileRoutesDeps): Router {
  const router = Router();
  const refusal = pageRefusalReason(config.publicUrl) ?? passwordRefusalReason(config.lastfm.apiUrl, config.sandbox);
  const { perClient, perUser } = attempts;
  // The sandbox's accounts are public (its own page lists them); on real Last.fm there are none to show.
  const demoAccounts = config.sandbox ? DEMO_ACCOUNTS.map(({ name, email, password }) => ({ name, email, password })) : [];

  const renderForm = (res: Response, status: number, form: FormState): void => {
    const title = form.problem === undefined ? 'Sign in with your Last.fm password' : `Error: ${form.problem.title}`;
    res.status(status).render('mobile', { title, refusal, demoAccounts, username: form.username, problem: form.problem });
  };

  /** The form again with what went wrong; JSON clients get the error handler's JSON instead. */
  const renderProblem = (req: Request, res: Response, problem: HttpError, username: string): void => {
    if (wantsJson(req)) throw problem;
    renderForm(res, problem.status, { username, problem: { title: problem.title, message: problem.message, invalid: problem.status === 400 || problem.status === 401 } });
  };

  router.get('/', (_req, res) => {
    renderForm(res, refusal === undefined ? 200 : 403, { username: '' });
  });

  router.post('/', async (req, res) => {
    if (refusal !== undefined) {
      if (wantsJson(req)) throw new HttpError(403, 'Password sign-in is switched off here', refusal, { action: { href: '/auth/login', label: 'Sign in with Last.fm instead' } });
      renderForm(res, 403, { username: '' });
      return;
    }
    const body = req.body as Record<string, unknown> | undefined;
    const username = (optionalString(body?.username, 'username', 256) ?? '').trim();
    const password = optionalString(body?.password, 'password', 1024) ?? '';
    if (username === '' || password === '') {
      renderProblem(req, res, new HttpError(400, 'Something is missing', 'Enter your Last.fm user name (or email) and your password.'), username);
      return;
    }

    // The client's budget is checked first, so someone already over it cannot use up a user name's.
    const clientWait = await perClient.take(req.ip ?? 'unknown');
    const device = knownDeviceFor(req, config, username);
    const userBucket = device === undefined ? `user:${username.toLowerCase()}` : `device:${device}`;
    const wait = clientWait > 0 ? clientWait : await perUser.take(userBucket);
    if (wait > 0) {
      const minutes = Math.ceil(wait / 60_000);
      res.set('Retry-After', String(Math.ceil(wait / 1000)));
      throw new HttpError(
        429,
        'Too many sign-in attempts',
        `There have been too many password sign-in attempts from your network or for this user name. Wait ${minutes} minute${minutes === 1 ? '' : 's'} and try again, or sign in on Last.fm's own page instead.`,
        { action: { href: '/auth/login', label: 'Sign in with Last.fm instead' } },
      );
    }

    let session;
    try {
      session = await lastfmFor(lastfm, req).getMobileSession(username, password);
    } catch (error) {
      // Wrong credentials show the form again; any other failure goes to the edge as it is.
      if (!(error instanceof LastfmError) || kindOfCode(error.code) !== 'auth-failed') throw error;
      renderProblem(req, res, lastfmFailure(error, 'mobile-sign-in'), username);
      return;
    }
    await signIn.signIn(req, session);
    await perUser.reset(userBucket);
    rememberDevice(res, config, username, now());
    res.redirect(303, `${config.basePath}/`);
  });

  return router;
}
