import type { RequestHandler } from 'express';
import { sessionLocals } from './locals';

/**
 * The session for a page that must answer without one (the setup check): read when the store
 * answers, so the page can say who is signed in; when it does not, the page goes on without it.
 */
export function sessionIfAvailable(session: RequestHandler): RequestHandler {
  return (req, res, next) => {
    session(req, res, (error?: unknown) => {
      if (error === undefined && (req.session as typeof req.session | undefined) !== undefined) sessionLocals(req, res, next);
      else next();
    });
  };
}
