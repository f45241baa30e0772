import { Router, type ErrorRequestHandler } from 'express';
import type { AccountService } from '../services/account';
import { wantsJson } from '../wants-json';
import { takeFlash } from './flash';
import { createHomePage } from './home-page';
import { InputError } from '../errors';

/**
 * Sign-out destroys the session, so its confirmation cannot ride in one: the redirect names which
 * sign-out it was. Only these fixed words are ever shown, whatever the query says.
 */
const SIGNED_OUT: Readonly<Record<string, string>> = {
  here: 'You are signed out. This browser no longer has a session here.',
  everywhere: 'You are signed out everywhere: every browser that was signed in as you has to sign in again.',
};

export function signedOutPath(basePath: string, which: 'here' | 'everywhere'): string {
  return `${basePath}/?signed-out=${which}`;
}

/**
 * GET /: the signed-in home (profile, recent tracks, the forms) or the signed-out welcome.
 * `formErrors` goes after every signed-in area: a form's refused input shows the home page again
 * (400) with the message beside that form and what was typed.
 */
export function createHome({ accounts, now }: { accounts: AccountService; now: () => number }): { router: Router; formErrors: ErrorRequestHandler } {
  const showHome = createHomePage(accounts, now);
  const router = Router();

  router.get('/', async (req, res, next) => {
    if (req.session.user !== undefined) {
      await showHome(req, res, next, takeFlash(req), 200);
      return;
    }
    const which = req.query['signed-out'];
    const signedOut = typeof which === 'string' && Object.hasOwn(SIGNED_OUT, which) ? SIGNED_OUT[which] : undefined;
    res.render('welcome', { title: 'Welcome', signedOut });
  });

  const formErrors: ErrorRequestHandler = (error: unknown, req, res, next) => {
    if (!(error instanceof InputError) || error.form === undefined || req.session.user === undefined || wantsJson(req)) {
      next(error);
      return;
    }
    showHome(req, res, next, { kind: 'error', message: error.message, details: [], form: error.form, values: error.values ?? {} }, 400).catch(next);
  };

  return { router, formErrors };
}
