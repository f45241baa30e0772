import type { RequestHandler } from 'express';
import { regenerateSession } from '../session';
import { signedInUser } from '../signed-in-user';
import type { SignOutRegistry } from '../stores/backend';

/**
 * Ends a session signed in before its user's last "sign out everywhere". Checked on every request
 * of a signed-in session, against the store backend, so it reaches every browser and instance.
 */
export function createEndedSessionCheck(signOuts: SignOutRegistry): RequestHandler {
  return async (req, _res, next) => {
    const user = signedInUser(req);
    if (user === undefined) {
      next();
      return;
    }
    const cutoff = await signOuts.signedOutAt(user.name);
    if (cutoff !== undefined && user.signedInAt <= cutoff) await regenerateSession(req);
    next();
  };
}
