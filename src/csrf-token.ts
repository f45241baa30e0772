import { randomBytes } from 'node:crypto';
import type { Request } from 'express';

/**
 * The session's CSRF token, made on first use (so a page with a form starts a session). Its own
 * module because the check (middleware/csrf.ts), the views' locals and the home page's
 * fingerprint all read it, and routes should not reach into middleware for it.
 */
export function csrfToken(req: Request): string {
  req.session.csrfToken ??= randomBytes(32).toString('base64url');
  return req.session.csrfToken;
}
