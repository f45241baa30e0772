import session, { type Store } from 'express-session';
import type { CookieOptions, Request, RequestHandler, Response } from 'express';
import type { Config } from './config';
import { asError } from './error-message';

declare module 'express-session' {
  interface SessionData {
    csrfToken: string;
  }
}

/**
 * How long a session without a signed-in person lives: long enough for a sign-in under way (Last.fm
 * tokens last an hour) or a half-filled form, short enough that visits which never sign in (each
 * form page starts a session for its token) do not pile up in the store for SESSION_TTL.
 */
export const SIGNED_OUT_SESSION_MS = 60 * 60 * 1000;

export function createSessionMiddleware(config: Config, store: Store): RequestHandler {
  return session({
    name: config.session.cookieName,
    secret: config.session.secrets,
    store,
    resave: false,
    saveUninitialized: false,
    rolling: true,
    cookie: {
      ...sessionCookie(config),
      // Signing in lengthens it to SESSION_TTL (the library's signedInMaxAge).
      maxAge: Math.min(SIGNED_OUT_SESSION_MS, config.session.ttlMs),
    },
  });
}

/** Where and how the session cookie is set; clearing it takes the same options, or the browser keeps it. */
export function sessionCookie(config: Config): CookieOptions & { sameSite: 'lax' } {
  return { httpOnly: true, sameSite: 'lax', secure: config.session.secureCookie, path: `${config.basePath}/` };
}

/** Signs this browser out: the session, and the Last.fm key in it, is destroyed and its cookie dropped. */
export async function endSession(req: Request, res: Response, config: Config): Promise<void> {
  await destroySession(req);
  // The page that follows (an error page, say) must not show anyone as signed in.
  res.locals.user = undefined;
  res.clearCookie(config.session.cookieName, sessionCookie(config));
}

/** Promise forms of express-session's callback methods, so failures reach the error handler. */
export function regenerateSession(req: Express.Request): Promise<void> {
  return new Promise((resolve, reject) => {
    req.session.regenerate((error: unknown) => (error ? reject(asError(error)) : resolve()));
  });
}

function destroySession(req: Express.Request): Promise<void> {
  return new Promise((resolve, reject) => {
    req.session.destroy((error: unknown) => (error ? reject(asError(error)) : resolve()));
  });
}
