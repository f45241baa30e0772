/**
 * Where a failure below the routes (Last.fm, a revoked key, the session store, input) becomes what the
 * person reads. The error handler at the edge (middleware/errors.ts) asks `pageFor` and
 * `sessionStoreOutage`; what shows a failure inside a page of its own (the desktop list, the
 * password form, each part of the home page) asks `lastfmFailure` for the same words.
 */
import type { RequestHandler, Response } from 'express';
import { isLastfmFailure, isRevokedKey, kindOfCode, type LastfmFailure } from 'lastfm-sign-in';
import type { SignInError } from 'lastfm-sign-in/express';
import { AccessRevokedError, HttpError, InputError, LastfmBusyError, LastfmUnavailableError, OutboxFullError, type LastfmError, type SessionStoreUnavailableError } from './errors';

/** Where a Last.fm failure happened, which decides what the person is offered next. */
export type FailureContext = 'web-sign-in' | 'desktop-sign-in' | 'mobile-sign-in' | 'call' | 'account';

const START_AGAIN = { href: '/auth/login', label: 'Start sign-in again' };
const HOME = { href: '/', label: 'Back to the start page' };
const NEW_TOKEN = { href: '/desktop', label: 'Back to your tokens' };
const PASSWORD_AGAIN = { href: '/auth/mobile', label: 'Try the password sign-in again' };

const SIGN_IN_AGAIN = { href: '/auth/login', label: 'Sign in with Last.fm again' };
/** From the password flow to the web flow. */
export const SIGN_IN_INSTEAD = { href: '/auth/login', label: 'Sign in with Last.fm instead' };

/** Marks the routes after it as `context`, so the edge words their Last.fm failures for it. */
export function failuresAs(context: FailureContext): RequestHandler {
  return (_req, res, next) => {
    res.locals.failureContext = context;
    next();
  };
}

/** The page a request without this session's form token gets. */
export function expiredForm(): HttpError {
  return new HttpError(403, 'This form has expired', 'The page you sent this from is out of date or did not come from this site. Reload the page and try again.', {
    action: { href: '/', label: 'Back to the start page' },
  });
}

/** The page for an error this app understands, in the context of the route that failed; undefined for any other. */
export function pageFor(error: unknown, res: Response): HttpError | undefined {
  if (error instanceof InputError) return new HttpError(400, 'Something in the request was wrong', error.message, { action: HOME });
  if (error instanceof AccessRevokedError) return revokedPage(error);
  if (error instanceof OutboxFullError) {
    const count = (n: number): string => n.toLocaleString('en-US');
    return new HttpError(
      429,
      'Too many scrobbles waiting',
      `You already have ${count(error.waiting)} scrobbles waiting to be sent to Last.fm, and at most ${count(error.max)} may wait at once. Nothing from this send was queued; try again once some have gone.`,
      { action: HOME, retryAfterSeconds: 60 },
    );
  }
  if (isLastfmFailure(error)) return lastfmFailure(error, (res.locals.failureContext as FailureContext | undefined) ?? 'call');
  return undefined;
}

/**
 * The page for a failure of the sign-in (lastfm-sign-in/express), in this app's words. One that
 * Last.fm caused carries Last.fm's answer, which gets the same page as everywhere else in the flow
 * (`context`); the rest are the library's own refusals. `site` is PUBLIC_URL, which a lost sign-in's
 * page names.
 */
export function signInFailurePage(error: SignInError, context: FailureContext, site: URL): HttpError {
  if (isLastfmFailure(error.cause)) return lastfmFailure(error.cause, context);
  const again = context === 'desktop-sign-in' ? NEW_TOKEN : context === 'mobile-sign-in' ? PASSWORD_AGAIN : START_AGAIN;
  switch (error.code) {
    case 'state-missing':
      return new HttpError(400, 'This sign-in link is incomplete', 'The link Last.fm sent you back with has no state, so it cannot be matched to a sign-in you started here.', { action: START_AGAIN });
    case 'state-lost':
      // Nothing under way in this browser at this address: most often the sign-in started at
      // another address of this app (127.0.0.1 for localhost), whose cookies this one cannot see.
      return new HttpError(
        400,
        'No sign-in was started here',
        `This browser has no sign-in under way at ${site.href}. A sign-in has to start at the address Last.fm sends you back to, because browsers keep each address's cookies apart: if you opened this app at another address (such as 127.0.0.1 instead of localhost), open ${site.href} and sign in from there.`,
        { action: START_AGAIN },
      );
    case 'state-unknown':
      return new HttpError(400, 'This sign-in link is not valid here', 'It was already used, has expired, or was started in another browser. Start again from this page.', { action: START_AGAIN });
    case 'access-declined':
      return new HttpError(403, 'Access was not allowed', 'Last.fm sent you back without a token, which means access was declined.', { action: START_AGAIN });
    case 'bad-token':
      return new HttpError(400, 'This sign-in link is not valid', 'The token in the link is not one Last.fm would send. Start again.', { action: START_AGAIN });
    case 'bad-input':
      return new HttpError(error.status, 'Something in the request was wrong', error.message, { action: context === 'web-sign-in' ? HOME : again });
    case 'no-such-token':
      return new HttpError(404, 'No such token here', 'This token is not in this browser\'s list. Tokens belong to the browser that created them; create a new one.', { action: NEW_TOKEN });
    case 'token-used':
      return new HttpError(400, 'This token was already used', 'A token gives one session and this one already did. Create a new token to sign in again.', { action: NEW_TOKEN });
    case 'token-expired':
      return new HttpError(400, 'This token has expired', 'Tokens last 60 minutes, and Last.fm will not accept this one any more. Create a new token.', { action: NEW_TOKEN });
    case 'cross-origin':
      return expiredForm();
    case 'too-many-attempts': {
      const minutes = Math.ceil((error.retryAfterSeconds ?? 60) / 60);
      return new HttpError(
        429,
        'Too many sign-in attempts',
        `There have been too many password sign-in attempts from your network or for this user name. Wait ${minutes} minute${minutes === 1 ? '' : 's'} and try again, or sign in on Last.fm's own page instead.`,
        { action: SIGN_IN_INSTEAD, ...(error.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: error.retryAfterSeconds }) },
      );
    }
    case 'not-signed-in':
      return new HttpError(401, 'Sign in first', 'You need to be signed in with Last.fm to do that.', { action: { href: '/auth/login', label: 'Sign in with Last.fm' } });
    default:
      return new HttpError(error.status, error.title, error.message, { action: again, ...(error.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: error.retryAfterSeconds }) });
  }
}

/** A session store outage is temporary: a 503 that says so. The store's own error stays the cause, for the log. */
export function sessionStoreOutage(error: SessionStoreUnavailableError): HttpError {
  return new HttpError(503, 'Sessions are unavailable', 'Sessions are unavailable right now, so this page cannot be shown. Try again shortly.', {
    action: { href: '/', label: 'Try again' },
    cause: error.cause,
  });
}

/** The person has been signed out here by the time this shows; scrobbles they sent wait for the next sign-in. */
function revokedPage(error: AccessRevokedError): HttpError {
  const opening = 'Last.fm no longer accepts this app\'s access to your account, so you have been signed out here.';
  const next = error.held > 0 ? `${error.held} scrobble${error.held === 1 ? '' : 's'} will be sent once you sign in again.` : 'Sign in again to carry on.';
  return new HttpError(401, 'Last.fm access was revoked; sign in again', `${opening} ${next}`, { action: SIGN_IN_AGAIN, cause: error.cause });
}

/** The one place that turns a Last.fm failure into what the person reads. */
export function lastfmFailure(error: LastfmFailure, context: FailureContext): HttpError {
  if (error instanceof LastfmBusyError) return busyFailure(error, context);
  if (context === 'account') {
    const failure = accountFailure(error);
    if (failure !== undefined) return failure;
  }
  if (error instanceof LastfmUnavailableError) {
    return new HttpError(503, 'Last.fm is not answering', 'Last.fm could not be reached or sent an answer we could not read. Nothing was changed. Please try again in a minute.', { action: HOME, cause: error });
  }
  const signingIn = context !== 'call';
  const flow = flowFailure(error, context);
  if (flow !== undefined) return flow;
  const again = context === 'desktop-sign-in' ? NEW_TOKEN : context === 'mobile-sign-in' ? PASSWORD_AGAIN : signingIn ? START_AGAIN : HOME;
  switch (kindOfCode(error.code)) {
    case 'auth-failed':
      return new HttpError(signingIn ? 400 : 401, 'Last.fm did not accept this sign-in', signingIn ? 'The sign-in token was not valid (it may have been used already). Please start again.' : 'Last.fm refused the request. Please sign in again.', { action: START_AGAIN, cause: error });
    case 'token-unauthorized':
      return new HttpError(403, 'Access was not allowed', 'Last.fm says this app was not given access to your account. If you meant to allow it, start again and choose "Yes, allow access".', { action: again, cause: error });
    case 'token-expired':
      return new HttpError(400, 'This sign-in has expired', 'The Last.fm sign-in token is older than an hour or was already used. Please start again.', { action: START_AGAIN, cause: error });
    case 'session-invalid':
      return new HttpError(401, 'Last.fm access was revoked', 'Last.fm no longer accepts this app\'s access to your account. Please sign in again.', { action: START_AGAIN, cause: error });
    case 'invalid-parameter':
      return new HttpError(400, 'Last.fm could not do that', `Last.fm said: ${error.lastfmMessage}`, { action: HOME, cause: error });
    case 'login-required':
      return new HttpError(403, 'This profile is private', 'Last.fm only shows this to the profile\'s owner.', { action: HOME, cause: error });
    case 'rate-limited':
      return new HttpError(429, 'Too many requests to Last.fm', 'Last.fm asked us to slow down. Please try again in a minute.', { action: again, cause: error });
    case 'temporary':
    case 'operation-failed':
      return new HttpError(503, 'Last.fm is having trouble', 'Last.fm could not do this just now. Nothing was changed. Please try again in a minute.', { action: again, cause: error });
    case 'api-key':
    case 'bug':
    case 'unknown':
      return new HttpError(502, 'Something went wrong talking to Last.fm', 'This is a problem with this app, not with anything you did. It has been logged for the operator.', { action: HOME, cause: error });
  }
}

/** This app did not send the call: its share of Last.fm's rate budget had no room in time. */
function busyFailure(error: LastfmBusyError, context: FailureContext): HttpError {
  const retryAfterSeconds = Math.max(1, Math.ceil(error.retryAfterMs / 1000));
  const action = context === 'desktop-sign-in' ? NEW_TOKEN : context === 'mobile-sign-in' ? PASSWORD_AGAIN : context === 'web-sign-in' ? START_AGAIN : HOME;
  if (error.reason === 'client-limit') {
    return new HttpError(429, 'Too many requests at once', `You already have several requests waiting for Last.fm. Nothing was sent for this one; wait for them, then try again in ${retryAfterSeconds} seconds.`, { action, cause: error, retryAfterSeconds });
  }
  return new HttpError(503, 'Last.fm is busy', `This app is sending Last.fm as many requests as it allows, and this one could not go in time. Nothing was sent; please try again in ${retryAfterSeconds} seconds.`, { action, cause: error, retryAfterSeconds });
}

/** Last.fm's answers about a desktop token that the token list shows once (the library's `desktop.notices`). */
const NOT_APPROVED = { title: 'Not approved yet', message: 'This token is not approved yet: approve it on Last.fm, then try again.' };
const EXPIRED_AT_LASTFM = { title: 'This token has expired', message: 'Last.fm says this token is older than an hour or was already used. Create a new token and approve that one.' };

/** The words of a notice on the token list. */
export function desktopNoticePage(code: 'token-not-approved' | 'token-expired'): { title: string; message: string } {
  return code === 'token-not-approved' ? NOT_APPROVED : EXPIRED_AT_LASTFM;
}

/** Where the desktop and password flows part from the web flow: what the codes mean there and where to go next. */
function flowFailure(error: LastfmError, context: FailureContext): HttpError | undefined {
  const kind = kindOfCode(error.code);
  if (context === 'desktop-sign-in') {
    if (kind === 'token-unauthorized') return new HttpError(409, NOT_APPROVED.title, NOT_APPROVED.message, { action: NEW_TOKEN, cause: error });
    if (kind === 'token-expired') return new HttpError(400, EXPIRED_AT_LASTFM.title, EXPIRED_AT_LASTFM.message, { action: NEW_TOKEN, cause: error });
    if (kind === 'auth-failed') return new HttpError(400, 'Last.fm did not accept this token', 'Last.fm does not know this token. Create a new token and approve that one.', { action: NEW_TOKEN, cause: error });
  }
  if (context === 'mobile-sign-in' && kind === 'auth-failed') {
    return new HttpError(
      401,
      'Wrong user name or password',
      'Last.fm did not accept this user name (or email) and password. Check them and try again. If they are right, this app\'s API key may not be allowed to use password sign-in (Last.fm allows it for some keys only): use "Sign in with Last.fm" instead.',
      { action: PASSWORD_AGAIN, cause: error },
    );
  }
  return undefined;
}

/** What differs for a signed-in person's reads and writes; undefined falls back to the general table. */
function accountFailure(error: LastfmError | LastfmUnavailableError): HttpError | undefined {
  const unavailable = (): HttpError =>
    new HttpError(503, 'Last.fm is unavailable', 'Last.fm is unavailable and nothing was changed. Please try again in a minute.', { action: HOME, cause: error });
  if (error instanceof LastfmUnavailableError) return unanswered(error) ?? unavailable();
  if (isRevokedKey(error)) return revokedPage(new AccessRevokedError({ cause: error }));
  switch (kindOfCode(error.code)) {
    case 'temporary':
    case 'operation-failed':
      return unavailable();
    case 'rate-limited':
      return new HttpError(429, 'Too many requests to Last.fm', 'Last.fm asked this app to slow down, and nothing was changed. Please try again in a minute.', { action: HOME, cause: error });
    default:
      return undefined;
  }
}

/**
 * No answer in time, or an answer cut off: Last.fm may well have carried the call out (a scrobble
 * may be recorded), so "nothing was changed" would be a guess. Say so instead.
 */
function unanswered(error: LastfmUnavailableError): HttpError | undefined {
  if (error.reason !== 'timeout' && error.reason !== 'not-json') return undefined;
  return new HttpError(
    503,
    'Last.fm did not answer in full',
    'Last.fm\'s answer was cut off or did not come in time, so this app cannot tell whether any change was made. Look at the start page, which asks Last.fm afresh, before you try again.',
    { action: HOME, cause: error },
  );
}
