import { timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { HttpError } from '../errors';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The page a request without this session's form token gets. */
export function expiredForm(): HttpError {
  return new HttpError(403, 'This form has expired', 'The page you sent this from is out of date or did not come from this site. Reload the page and try again.', {
    action: { href: '/', label: 'Back to the start page' },
  });
}

/** Whether `given` is this session's form token. */
export function csrfMatches(req: Request, given: string | undefined): boolean {
  const expected = req.session.csrfToken;
  return expected !== undefined && given !== undefined && sameString(given, expected);
}

/** Synchronizer-token check on every state-changing request: `_csrf` field or `X-CSRF-Token` header. */
export const verifyCsrf: RequestHandler = (req, _res, next) => {
  if (SAFE_METHODS.has(req.method)) {
    next();
    return;
  }
  const body: unknown = req.body;
  const fromBody = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)._csrf : undefined;
  const given = typeof fromBody === 'string' ? fromBody : req.get('x-csrf-token');
  next(csrfMatches(req, given) ? undefined : expiredForm());
};

function sameString(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
