import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { CookieOptions, Request, Response } from 'express';

/**
 * The session's CSRF token, made on first use. Its own module because the check
 * (middleware/csrf.ts), the views' locals and the home page's fingerprint all read it, and routes
 * should not reach into middleware for it.
 */
export function csrfToken(req: Request): string {
  req.session.csrfToken ??= randomBytes(32).toString('base64url');
  return req.session.csrfToken;
}

/**
 * Form tokens for visitors with nothing stored: a sign-in page's form must carry a token, but a
 * stored session for every visit to it would fill the store. The token lives in a cookie instead,
 * signed with the session secret, and the form sends it back (a signed double-submit cookie);
 * the session is stored only once the form starts something worth keeping.
 */
export class VisitorTokens {
  constructor(
    private readonly secrets: readonly string[],
    readonly cookieName: string,
    private readonly cookie: CookieOptions,
  ) {}

  /** This visitor's token: the one their cookie holds if it is ours, else a new one in a new cookie. */
  issue(req: Request, res: Response): string {
    const held = this.held(req);
    if (held !== undefined) return held;
    const nonce = randomBytes(24).toString('base64url');
    const token = `${nonce}.${this.sign(nonce, this.secrets[0] ?? '')}`;
    res.cookie(this.cookieName, token, this.cookie);
    return token;
  }

  /** Whether `given` is the token this visitor's cookie holds. */
  matches(req: Request, given: string): boolean {
    const held = this.held(req);
    return held !== undefined && sameString(held, given);
  }

  private held(req: Request): string | undefined {
    const value = cookieValue(req.headers.cookie, this.cookieName);
    if (value === undefined) return undefined;
    const [nonce = '', signature = ''] = value.split('.');
    return this.secrets.some((secret) => sameString(signature, this.sign(nonce, secret))) ? value : undefined;
  }

  private sign(nonce: string, secret: string): string {
    return createHmac('sha256', secret).update(`visitor-form-token:${nonce}`).digest('base64url');
  }
}

export function sameString(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const pair of (header ?? '').split(';')) {
    const at = pair.indexOf('=');
    if (at > 0 && pair.slice(0, at).trim() === name) return pair.slice(at + 1).trim();
  }
  return undefined;
}
