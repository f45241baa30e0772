import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { AccountService } from '../services/account';
import { wantsJson } from '../wants-json';
import { takeFlash } from './flash';
import { createHomePage } from './home-page';
import { HttpError, InputError } from '../errors';
import { signedInUser } from '../signed-in-user';

/**
 * Sign-out destroys the session, so its confirmation cannot ride in one: the redirect names which
 * sign-out it was. Only these fixed words are ever shown, whatever the query says.
 */
const SIGNED_OUT: Readonly<Record<string, string>> = {
  here: 'You are signed out. This browser no longer has a session here.',
  everywhere:
    'You are signed out everywhere: every browser that was signed in as you has to sign in again. Scrobbles still waiting are sent to Last.fm as usual; once none is left, this app forgets your Last.fm key.',
  'everywhere-discarded': 'You are signed out everywhere: every browser that was signed in as you has to sign in again. Your waiting scrobbles were discarded, none of them will be sent, and this app has forgotten your Last.fm key.',
};

/** The forms of the signed-in home, by the path they post to. */
const FORM_PATHS: Readonly<Record<string, string>> = {
  '/track/now-playing': 'now-playing',
  '/track/scrobble': 'scrobble',
  '/track/scrobble-batch': 'scrobble-batch',
  '/tags/add': 'tags-add',
  '/tags/remove': 'tags-remove',
};

/** The HTTP status an error carries: this app's own, or a body parser's. */
function statusOf(error: unknown): number | undefined {
  if (error instanceof HttpError) return error.status;
  if (typeof error !== 'object' || error === null) return undefined;
  const { status } = error as { status?: unknown };
  return typeof status === 'number' ? status : undefined;
}

export function signedOutPath(basePath: string, which: 'here' | 'everywhere' | 'everywhere-discarded'): string {
  return `${basePath}/?signed-out=${which}`;
}

export interface HomeDeps {
  accounts: AccountService;
  now: () => number;
  outboxRetryMaxMs: number;
  /** Why password sign-in is switched off here, if it is: the welcome page then does not offer it. */
  passwordRefusal: string | undefined;
}

/**
 * GET /: the signed-in home (profile, recent tracks, the forms) or the signed-out welcome.
 * `formErrors` goes after every signed-in area: a form's refused input (400), or a form too large
 * to read (413), shows the home page again with the message beside that form and what was typed.
 */
export function createHome({ accounts, now, outboxRetryMaxMs, passwordRefusal }: HomeDeps): { page: RequestHandler; formErrors: ErrorRequestHandler } {
  const showHome = createHomePage(accounts, now, outboxRetryMaxMs);

  // A handler for the site's own `GET /` rather than a router mounted at `/`: every request that
  // gets this far would enter that router and walk its routes.
  const page: RequestHandler = async (req, res, next) => {
    if (signedInUser(req) !== undefined) {
      await showHome(req, res, next, takeFlash(req), 200);
      return;
    }
    const which = req.query['signed-out'];
    const signedOut = typeof which === 'string' && Object.hasOwn(SIGNED_OUT, which) ? SIGNED_OUT[which] : undefined;
    res.render('welcome', { title: 'Welcome', signedOut, passwordRefusal });
  };

  const formErrors: ErrorRequestHandler = (error: unknown, req, res, next) => {
    // Errors from before the session (a missing asset, a store outage) have no session to show a home page for.
    if (signedInUser(req) === undefined || wantsJson(req)) {
      next(error);
      return;
    }
    if (error instanceof InputError && error.form !== undefined) {
      showHome(req, res, next, { kind: 'error', message: error.message, details: [], form: error.form, field: error.field, values: error.values ?? {} }, 400).catch(next);
      return;
    }
    // Too much to send: the body was never read, so the form comes back empty, with the reason beside it.
    const form = FORM_PATHS[req.path];
    if (form !== undefined && statusOf(error) === 413) {
      const message = error instanceof HttpError ? error.message : 'That was more than this form can send at once.';
      showHome(req, res, next, { kind: 'error', message, details: [], form, field: form === 'scrobble-batch' ? 'file' : undefined, values: {} }, 413).catch(next);
      return;
    }
    next(error);
  };

  return { page, formErrors };
}
