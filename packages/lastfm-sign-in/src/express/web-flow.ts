import type { Request, Response } from 'express';
import { SignInError } from './errors';
import { oneString } from './fields';
import { signInFailure } from './lastfm-failure';
import type { Settings } from './options';
import { safeReturnTo } from './return-to';
import { isOwnRequest } from './same-origin';
import { callbackToken, rememberState, takeState } from './pending-state';
import { dataOf, peekData, saveSession, sessionOf } from './session-data';
import { endSignedIn, startSignedIn } from './signed-in';

/** Marks a login already sent to publicUrl's host, so a proxy that hides the host cannot make a loop. */
const MOVED = 'moved';

export type Handler = (req: Request, res: Response) => Promise<void>;

/** The address of a route of this router as the browser sees it: publicUrl's origin and prefix, the mount path, the route. */
export function routeUrl(settings: Settings, route: string): URL {
  return new URL(`${settings.prefix}${settings.mountPath}${route}`, settings.publicUrl.origin);
}

/** GET login[?returnTo=/path]: remembers a single-use state in the session and sends the browser to Last.fm. */
export function login(settings: Settings): Handler {
  return async (req, res) => {
    const returnTo = safeReturnTo(req.query.returnTo);
    // Last.fm sends the browser back to publicUrl, and browsers keep each host name's cookies apart:
    // a sign-in started at 127.0.0.1 could never be finished at localhost. So it starts there.
    if (req.hostname.toLowerCase() !== settings.publicUrl.hostname.toLowerCase() && req.query[MOVED] === undefined) {
      const there = routeUrl(settings, '/login');
      if (returnTo !== '/') there.searchParams.set('returnTo', returnTo);
      there.searchParams.set(MOVED, '1');
      res.redirect(303, there.href);
      return;
    }
    await settings.onStart?.(req, res);
    const state = rememberState(dataOf(req), returnTo, settings.now());
    await saveSession(req);

    const callback = routeUrl(settings, '/callback');
    callback.searchParams.set('state', state);
    res.redirect(303, settings.client.webAuthorizeUrl(callback.href).href);
  };
}

/** GET callback?state&token: the state is spent before anything else, then the token exchanged and the person signed in. */
export function callback(settings: Settings): Handler {
  return async (req, res) => {
    sessionOf(req);
    const data = peekData(req);
    // Spent and saved before Last.fm is asked, so a replay of this URL is refused even if the exchange fails.
    const entry = takeState(data, oneString(req.query.state, 'state', 128), settings.now(), settings.publicUrl.origin);
    await saveSession(req);

    const token = callbackToken(req.query.token);

    let session;
    try {
      session = await settings.clientOf(req).getSession(token);
    } catch (error) {
      throw signInFailure(error, 'web');
    }
    await startSignedIn(req, session, settings, { desktopTokens: data?.desktopTokens });
    res.redirect(303, `${settings.prefix}${entry.returnTo}`);
  };
}

/** POST logout: same-origin only, so it needs no CSRF token; the session gets a new id either way. */
export function logout(settings: Settings): Handler {
  return async (req, res) => {
    if (!isOwnRequest(req, settings)) throw new SignInError('cross-origin');
    await endSignedIn(req, settings);
    if (req.accepts(['html', 'json']) === 'json') {
      res.status(204).end();
      return;
    }
    res.redirect(303, `${settings.prefix}${settings.afterSignOut}`);
  };
}
