import type { RequestHandler, Response } from 'express';
import type { Store } from 'express-session';
import { hasStored, wasLoaded } from '../stores/still-stored';

/**
 * A request that was under way when its session was destroyed (a sign-out in another tab) must
 * not send that session's cookie back: the browser would take the old id again. So, just before
 * such a response goes out, the store is asked whether the session it started with still exists;
 * if not, the request lets go of it, and express-session then neither saves it nor sets a cookie.
 * (The store refuses to write a destroyed session back in any case; see still-stored.ts.)
 * Mounted right after the session middleware, so this `end` runs before express-session's.
 */
export function keepSignOutsSignedOut(store: Store): RequestHandler {
  return (req, res, next) => {
    const session = req.session as typeof req.session | undefined;
    if (session === undefined || !wasLoaded(session)) {
      next();
      return;
    }
    const sid = req.sessionID;
    const end = res.end.bind(res) as (...args: unknown[]) => Response;
    res.end = ((...args: unknown[]) => {
      const current = req.session as typeof req.session | undefined;
      // Destroyed or replaced (sign-in, sign-out) by this very request: express-session knows.
      if (current === undefined || req.sessionID !== sid || res.headersSent) return end(...args);
      hasStored(store, sid, (error, present) => {
        // A store that cannot answer fails the save that follows, which reports it.
        if (!error && present === false) (req as { session?: unknown }).session = undefined;
        end(...args);
      });
      return res;
    }) as Response['end'];
    next();
  };
}
