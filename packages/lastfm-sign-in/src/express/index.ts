import type { Request, RequestHandler } from 'express';
import type { LastfmClient, LastfmSession } from '../index';
import { answerFailure, wantsJson, type NextStep } from './answer';
import { authorizeToken, exchangeToken, listDesktopTokens, newToken, type DesktopTokenView } from './desktop-flow';
import { SignInError } from './errors';
import { resolveOptions, type LastfmSignInOptions, type SignedInUser } from './options';
import { passwordSignIn } from './password-flow';
import { safeReturnTo } from './return-to';
import { peekData, saveSession, type DesktopNotice } from './session-data';
import { SignedInClient } from './signed-in-client';
import { currentUser, sessionKeyOf, startSignedIn } from './signed-in';
import { callback, login, logout, type Handler } from './web-flow';

export { SignInError, type SignInErrorCode } from './errors';
export { safeReturnTo } from './return-to';
export { SignedInClient, type TrackRef } from './signed-in-client';
export type { DesktopTokenView } from './desktop-flow';
export type { ClientOptions, CredentialOptions, DesktopFlowOptions, LastfmSignInOptions, PasswordFlowOptions, SharedSignInState, SignedInUser } from './options';
export type { FailureMode } from './answer';
export type { DesktopNotice, LastfmSessionData } from './session-data';

export interface LastfmSignIn {
  /** Mount it at `mountPath`: GET login[?returnTo=/path], GET callback, POST logout (and the desktop and password routes when on). */
  router: RequestHandler;
  /** Who is signed in on this request, or undefined. Never the session key. */
  user(req: Request): SignedInUser | undefined;
  /** Guards a route: a browser's GET is sent to sign in and back, anything else gets 401. */
  requireUser: RequestHandler;
  /** The Last.fm client for the signed-in person, key filled in; throws SignInError `not-signed-in` when nobody is. */
  clientFor(req: Request): SignedInClient;
  /** The signed-in person's Last.fm session key, for a host that must call Last.fm outside a request (a queue). Keep it server-side. */
  sessionKey(req: Request): string | undefined;
  /** The path of the sign-in link, coming back to `returnTo` (a local path). */
  loginUrl(returnTo?: string): string;
  /** The desktop flow's tokens of this browser, for the host's page (empty when the flow is off). */
  desktopTokens(req: Request): DesktopTokenView[];
  /** With `desktop.notices`: Last.fm's last answer about a token of this browser, taken (shown once). */
  desktopNotice(req: Request): DesktopNotice | undefined;
  /**
   * Signs a person in with a Last.fm session the host got by a flow of its own: a new session id,
   * the key kept (and sealed) as the built-in flows keep it, `onSignIn` told. The new session
   * keeps this browser's desktop tokens.
   */
  signIn(req: Request, session: LastfmSession): Promise<SignedInUser>;
  /** The Last.fm client underneath (shared budget), for calls that need no signed-in person. */
  client: LastfmClient;
}

/**
 * Sign in with Last.fm for an Express app (4.21+ or 5) with express-session mounted before it.
 * Everything it keeps lives under `req.session.lastfm`; it reads no environment variable or file.
 */
export function lastfmSignIn(options: LastfmSignInOptions): LastfmSignIn {
  const settings = resolveOptions(options);
  const { prefix, mountPath } = settings;
  const loginPath = `${prefix}${mountPath}/login`;
  const startAgain: NextStep = { href: loginPath, label: 'Start sign-in again' };
  const home: NextStep = { href: `${prefix}/`, label: 'Back to the start page' };

  const routes = new Map<string, { handler: Handler; step: NextStep }>([
    ['GET /login', { handler: login(settings), step: home }],
    ['GET /callback', { handler: callback(settings), step: startAgain }],
    ['POST /logout', { handler: logout(settings), step: home }],
  ]);
  if (settings.desktop !== undefined) {
    const toList: NextStep = { href: `${prefix}${settings.desktop.page}`, label: 'Back to your tokens' };
    routes.set('POST /desktop/token', { handler: newToken(settings, settings.desktop.afterToken), step: toList });
    routes.set('GET /desktop/authorize', { handler: authorizeToken(settings), step: toList });
    routes.set('POST /desktop/session', { handler: exchangeToken(settings), step: toList });
  }
  if (settings.password !== undefined) {
    routes.set(`POST ${settings.password.path}`, { handler: passwordSignIn(settings, settings.password), step: { href: `${prefix}${settings.password.page}`, label: 'Try the password sign-in again' } });
  }

  // A plain handler rather than an express.Router: it needs nothing of either Express major, so the
  // same code runs under the host's Express 4 or 5, and rejected promises are caught here on both.
  const router: RequestHandler = (req, res, next) => {
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    const path = req.path.length > 1 ? req.path.replace(/\/+$/, '') : req.path;
    // The one route with a parameter: the token's id is the last part of its path.
    const route = routes.get(`${method} ${path.startsWith('/desktop/authorize/') ? '/desktop/authorize' : path}`);
    if (route === undefined) {
      next();
      return;
    }
    const mountedAt = req.baseUrl.toLowerCase();
    if (mountedAt !== mountPath.toLowerCase() && mountedAt !== `${prefix}${mountPath}`.toLowerCase()) {
      next(new Error(`lastfmSignIn: the router is mounted at "${req.baseUrl || '/'}" but its mountPath option is "${mountPath || '/'}"; pass mountPath: '${req.baseUrl || '/'}'`));
      return;
    }
    // Redirects carrying a state or token must not be kept by any cache.
    res.set('Cache-Control', 'no-store');
    route.handler(req, res).catch((error: unknown) => answerFailure(error, req, res, next, settings.failures, route.step));
  };

  const loginUrl = (returnTo?: string): string => {
    const safe = safeReturnTo(returnTo);
    return safe === '/' ? loginPath : `${loginPath}?returnTo=${encodeURIComponent(safe)}`;
  };

  const requireUser: RequestHandler = (req, res, next) => {
    if (currentUser(req, settings) !== undefined) {
      next();
      return;
    }
    if (!wantsJson(req) && (req.method === 'GET' || req.method === 'HEAD')) {
      res.redirect(303, loginUrl(req.originalUrl));
      return;
    }
    answerFailure(new SignInError('not-signed-in'), req, res, next, settings.failures, startAgain);
  };

  const clientFor = (req: Request): SignedInClient => {
    const user = currentUser(req, settings);
    const key = sessionKeyOf(req, settings);
    if (user === undefined || key === undefined) throw new SignInError('not-signed-in');
    return new SignedInClient(settings.client, key, user.name, async () => {
      const data = peekData(req);
      if (data?.user?.name !== user.name) return;
      delete data.user;
      await saveSession(req);
    });
  };

  return {
    router,
    user: (req) => currentUser(req, settings),
    requireUser,
    clientFor,
    sessionKey: (req) => sessionKeyOf(req, settings),
    loginUrl,
    desktopTokens: (req) => (settings.desktop === undefined ? [] : listDesktopTokens(req, settings, mountPath)),
    desktopNotice: (req) => {
      const data = peekData(req);
      const notice = data?.desktopNotice;
      if (data !== undefined) delete data.desktopNotice;
      return notice;
    },
    signIn: (req, session) => startSignedIn(req, session, settings, { desktopTokens: peekData(req)?.desktopTokens }),
    client: settings.client,
  };
}
