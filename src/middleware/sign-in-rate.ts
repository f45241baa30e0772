import type { RequestHandler } from 'express';
import type { RateLimit, RateLimiter } from 'lastfm-sign-in';
import { HttpError } from '../errors';

/**
 * The rate for sign-in requests that call Last.fm (SIGN_IN_CALLS_PER_MINUTE = N): N at once,
 * then one every 60/N seconds. With the default 10: ten sign-ins in a row, then one every 6 s.
 */
export function signInCallRate(perMinute: number): RateLimit {
  return { burst: perMinute, everyMs: 60_000 / perMinute };
}

/**
 * Lets a sign-in request that will call Last.fm through only while its address has a token left
 * in the shared bucket (every instance counts together); otherwise a 429 in words with Retry-After
 * and nothing sent. Counted before anything else, so a refused callback keeps its state and the
 * same link works once the wait is over.
 */
export function limitSignInCalls(limiter: RateLimiter): RequestHandler {
  return async (req, _res, next) => {
    const wait = await limiter.take(req.ip ?? 'unknown');
    if (wait <= 0) {
      next();
      return;
    }
    const seconds = Math.ceil(wait / 1000);
    throw new HttpError(
      429,
      'Too many sign-in requests',
      `This address has asked Last.fm to sign someone in more often than this app allows, so nothing was sent. Try again in ${seconds} second${seconds === 1 ? '' : 's'}.`,
      { retryAfterSeconds: seconds },
    );
  };
}
