import type { RequestHandler } from 'express';
import { regenerateSession } from '../session';
import { signedInUser } from '../signed-in-user';
import type { SignOutRegistry } from '../stores/backend';

/**
 * Ends a session signed in before its user's last "sign out everywhere". Checked on every request
 * of a signed-in session, against the store backend, so it reaches every browser and instance.
 */
export function createEndedSessionCheck(signOuts: SignOutRegistry): RequestHandler {
  return (req, _res, next) => {
    const user = signedInUser(req);
    if (user === undefined) {
      next();
      return;
    }
    // Chained rather than awaited: this runs on every signed-in request, and an async handler
    // costs Express a promise more to watch.
    signOuts
      .signedOutAt(user.name)
      .then((cutoff) => (cutoff !== undefined && user.signedInAt <= cutoff ? regenerateSession(req) : undefined))
      .then(() => next(), next);
  };
}
