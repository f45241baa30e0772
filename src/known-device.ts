import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import type { Config } from './config';

/**
 * "Device cookies" against password guessing: a browser that signed in with a password as a user
 * gets a signed cookie naming that user. Its attempts are counted on their own, so a stranger
 * who spends the user name's shared allowance of wrong passwords cannot lock the person out of
 * their own browser. The cookie holds no secret; only this app can make one.
 */
const COOKIE = 'lastfm_signin.device';
const LIFETIME_MS = 365 * 24 * 60 * 60 * 1000;

function signature(config: Config, payload: string): string {
  return createHmac('sha256', config.session.secrets[0] ?? '').update(`known-device:${payload}`).digest('base64url');
}

/** The cookie's id when this browser signed in as `username` before, else undefined. */
export function knownDeviceFor(req: Request, config: Config, username: string): string | undefined {
  const raw = cookieValue(req.headers.cookie, COOKIE);
  if (raw === undefined) return undefined;
  const [user, issuedAt, sig] = raw.split('.');
  if (user === undefined || issuedAt === undefined || sig === undefined) return undefined;
  const expected = Buffer.from(signature(config, `${user}.${issuedAt}`));
  const given = Buffer.from(sig);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
  return Buffer.from(user, 'base64url').toString('utf8') === username.toLowerCase() ? `${user}.${issuedAt}` : undefined;
}

export function rememberDevice(res: Response, config: Config, username: string, at: number): void {
  const payload = `${Buffer.from(username.toLowerCase(), 'utf8').toString('base64url')}.${at.toString(36)}`;
  res.cookie(COOKIE, `${payload}.${signature(config, payload)}`, {
    httpOnly: true,
    sameSite: 'lax',
    secure: config.session.secureCookie,
    path: `${config.basePath}/`,
    maxAge: LIFETIME_MS,
  });
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const at = part.indexOf('=');
    if (at !== -1 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}
