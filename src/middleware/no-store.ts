import type { RequestHandler, Response } from 'express';
import { signedInUser } from '../signed-in-user';

/**
 * Keeps a page out of the browser's cache: Back after sign-out must not show a signed-in page
 * (profile, private recent tracks) or a form token from the cache.
 */
export function noStore(res: Response): void {
  // setHeader, not res.set: on every signed-in answer, and a plain string needs none of res.set's care.
  res.setHeader('Cache-Control', 'no-store');
}

/** Every answer to a signed-in session; pages with a form token mark themselves (sessionLocals). */
export const noStoreWhenSignedIn: RequestHandler = (req, res, next) => {
  if (signedInUser(req) !== undefined) noStore(res);
  next();
};
