import type { Request, Response } from 'express';
import { HttpError } from '../errors';
import type { AttemptCounter, AttemptLimit } from 'lastfm-sign-in';

/**
 * Sign-ins one address may start (a web sign-in sent to Last.fm, a desktop token made) a minute
 * (SIGN_IN_STARTS_PER_MINUTE): each stores a session, so an unlimited client could fill the
 * store. Counted in the shared state, so every instance counts together.
 */
export function signInStartLimit(perMinute: number): AttemptLimit {
  return { max: perMinute, windowMs: 60_000 };
}

/** Counts a sign-in start from this address, or refuses it with a 429 in words. */
export async function countSignInStart(starts: AttemptCounter, req: Request, res: Response, action: { href: string; label: string }): Promise<void> {
  const wait = await starts.take(req.ip ?? 'unknown');
  if (wait <= 0) return;
  const seconds = Math.ceil(wait / 1000);
  res.set('Retry-After', String(seconds));
  throw new HttpError(429, 'Too many sign-ins started', `This address has started more sign-ins in the last minute than this app allows. Nothing was started; try again in ${seconds} seconds.`, { action, retryAfterSeconds: seconds });
}
