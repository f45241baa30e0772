import type { Request, RequestHandler, Response } from 'express';
import { csrfToken, sameString, type VisitorTokens } from '../csrf-token';
import { expiredForm } from '../failure-pages';
import { signedInUser } from '../signed-in-user';
import { wasLoaded } from '../stores/still-stored';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface CsrfCheck {
  /** The token a page's forms carry: the session's when it is stored, else the visitor's cookie token. */
  token: (req: Request, res: Response) => string;
  /** Whether `given` is this request's form token. */
  matches: (req: Request, given: string | undefined) => boolean;
  /** Synchronizer-token check on every state-changing request: `_csrf` field or `X-CSRF-Token` header. */
  verify: RequestHandler;
}

export function createCsrfCheck(visitors: VisitorTokens): CsrfCheck {
  const matches = (req: Request, given: string | undefined): boolean => {
    if (given === undefined) return false;
    const expected = req.session.csrfToken;
    if (expected !== undefined) return sameString(given, expected);
    // A signed-in session always has its own token; only visitors' forms use the cookie one.
    return signedInUser(req) === undefined && visitors.matches(req, given);
  };
  return {
    token: (req, res) => (req.session.csrfToken !== undefined || signedInUser(req) !== undefined || wasLoaded(req.session) ? csrfToken(req) : visitors.issue(req, res)),
    matches,
    verify: (req, _res, next) => {
      if (SAFE_METHODS.has(req.method)) {
        next();
        return;
      }
      const body: unknown = req.body;
      const fromBody = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)._csrf : undefined;
      const given = typeof fromBody === 'string' ? fromBody : req.get('x-csrf-token');
      next(matches(req, given) ? undefined : expiredForm());
    },
  };
}
