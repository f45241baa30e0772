import type { ErrorRequestHandler } from 'express';
import type { Config } from '../config';
import { AccessRevokedError } from '../errors';
import { endSession } from '../session';
import { signedInUser } from '../signed-in-user';

/**
 * A key Last.fm revoked signs the person out here before the error page is drawn, so that page
 * (and every one after) shows no one signed in. Several reads of one page may each learn it: the
 * session is ended once.
 */
export function signOutRevoked(config: Config): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (!(error instanceof AccessRevokedError) || signedInUser(req) === undefined) {
      next(error);
      return;
    }
    endSession(req, res, config).then(() => next(error), next);
  };
}
