import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';

/**
 * "Device cookies" against password guessing: a browser that signed in with a password as a user
 * gets a signed cookie naming that user, and its attempts are counted on their own. A stranger who
 * spends the user name's shared allowance cannot lock the person out of their own browser. The
 * cookie holds no secret; only a holder of the device secret can make one.
 */
const COOKIE = 'lastfm_signin.device';
const LIFETIME_MS = 365 * 24 * 60 * 60 * 1000;

export interface KnownDevices {
  /** The device's bucket id when this browser signed in as `username` before, else undefined. */
  of(req: Request, username: string): string | undefined;
  remember(res: Response, username: string, at: number): void;
}

/** `path`: where the password route lives, so the cookie goes nowhere else. */
export function knownDevices(secret: string, path: string, secure: boolean): KnownDevices {
  const signature = (payload: string): string => createHmac('sha256', secret).update(`known-device:${payload}`).digest('base64url');
  return {
    of(req, username) {
      const raw = cookieValue(req.headers.cookie, COOKIE);
      const [user, issuedAt, sig] = raw?.split('.') ?? [];
      if (user === undefined || issuedAt === undefined || sig === undefined) return undefined;
      const expected = Buffer.from(signature(`${user}.${issuedAt}`));
      const given = Buffer.from(sig);
      if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
      return Buffer.from(user, 'base64url').toString('utf8') === username.toLowerCase() ? `${user}.${issuedAt}` : undefined;
    },
    remember(res, username, at) {
      const payload = `${Buffer.from(username.toLowerCase(), 'utf8').toString('base64url')}.${at.toString(36)}`;
      res.cookie(COOKIE, `${payload}.${signature(payload)}`, { httpOnly: true, sameSite: 'lax', secure, path, maxAge: LIFETIME_MS });
    },
  };
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of header?.split(';') ?? []) {
    const at = part.indexOf('=');
    if (at !== -1 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}
