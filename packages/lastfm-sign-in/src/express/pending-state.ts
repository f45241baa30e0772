import { randomBytes } from 'node:crypto';
import { isLastfmTokenShape, TOKEN_LIFETIME_MS } from '../index';
import { SignInError } from './errors';
import { oneString } from './fields';
import type { LastfmSessionData, PendingSignIn } from './session-data';

/** A few sign-ins may be under way at once (several tabs); older ones are dropped. */
const MAX_PENDING = 5;
const STATE_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/**
 * Last.fm's web flow has no state parameter of its own, so the state rides inside the callback
 * URL; it is kept in the session (server-side) and can come back once.
 */
export function rememberState(data: LastfmSessionData, returnTo: string, at: number): string {
  const state = randomBytes(32).toString('base64url');
  const live = Object.entries(data.pending ?? {})
    .filter(([, entry]) => at - entry.createdAt <= TOKEN_LIFETIME_MS)
    .sort(([, a], [, b]) => b.createdAt - a.createdAt)
    .slice(0, MAX_PENDING - 1);
  data.pending = { ...Object.fromEntries(live), [state]: { returnTo, createdAt: at } };
  return state;
}

/**
 * Takes the state out of the session (deleted before anything else, so it cannot be replayed)
 * and returns what it was kept with; throws the SignInError that says why it cannot be used.
 * The caller saves the session.
 */
export function takeState(data: LastfmSessionData | undefined, state: string | undefined, at: number, siteOrigin: string): PendingSignIn {
  if (state === undefined || state === '') throw new SignInError('state-missing');
  const pending = data?.pending;
  const entry = STATE_PATTERN.test(state) && pending !== undefined && Object.hasOwn(pending, state) ? pending[state] : undefined;
  if (entry !== undefined && data !== undefined) data.pending = Object.fromEntries(Object.entries(pending ?? {}).filter(([kept]) => kept !== state));
  // A Last.fm token lives an hour, so an older state could only meet an expired token.
  if (entry === undefined || at - entry.createdAt > TOKEN_LIFETIME_MS) {
    // Nothing at all under way in this session: the cookie of the session that started it did not come back.
    if (data?.user === undefined && Object.keys(pending ?? {}).length === 0 && entry === undefined) {
      throw new SignInError('state-lost', { message: `${new SignInError('state-lost').message} This site's address is ${siteOrigin}.` });
    }
    throw new SignInError('state-unknown');
  }
  return entry;
}

/** The token Last.fm sent back: none means the person declined; anything Last.fm would not send is refused before it is asked. */
export function callbackToken(value: unknown): string {
  const token = oneString(value, 'token', 128);
  if (token === undefined || token === '') throw new SignInError('access-declined');
  if (!isLastfmTokenShape(token)) throw new SignInError('bad-token');
  return token;
}
