import type { RequestHandler, Response } from 'express';
import type { SessionData, Store } from 'express-session';
import { markTouched, touchIfStored, wasLoaded } from '../stores/still-stored';

/**
 * A request that was under way when its session was destroyed (a sign-out in another tab) must
 * not send that session's cookie back: the browser would take the old id again. So, just before
 * such a response goes out, the session is touched in the store only if it still exists there
 * (one call: the check and the touch express-session would make next); if it is gone, the request
 * lets go of it, and express-session then neither saves it nor sets a cookie. (The store refuses
 * to write a destroyed session back in any case; see still-stored.ts.)
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
      // The expiry a touch writes starts now, as express-session's own touch would start it.
      current.touch();
      markTouched(current);
      touchIfStored(store, sid, current as SessionData, (error, present) => {
        // A store that cannot answer fails the save that follows, if any, which reports it; a
        // failed touch alone is dropped, as EncryptedStore drops it.
        if (!error && present === false) (req as { session?: unknown }).session = undefined;
        end(...args);
      });
      return res;
    }) as Response['end'];
    next();
  };
}
