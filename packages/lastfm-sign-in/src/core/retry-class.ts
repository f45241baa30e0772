import { LastfmError, LastfmUnavailableError } from './errors';

/**
 * Which failures a call may retry. Reads and idempotent writes (love, tags) retry on temporary
 * errors and on no answer; a scrobble only on 11/16, which prove it was not recorded (a timeout
 * might hide a recorded one, and a retry would count it twice); now-playing never.
 */
export type RetryClass = 'safe' | 'scrobble' | 'never';

const TEMPORARY_CODES = new Set([8, 11, 16]);
const SCROBBLE_RETRY_CODES = new Set([11, 16]);

export function retryable(retryClass: RetryClass, error: unknown): boolean {
  if (retryClass === 'never') return false;
  if (error instanceof LastfmError) return (retryClass === 'safe' ? TEMPORARY_CODES : SCROBBLE_RETRY_CODES).has(error.code);
  // An answer we could not use still proves Last.fm handled the call: never repeat it.
  return retryClass === 'safe' && error instanceof LastfmUnavailableError && error.reason !== 'unexpected-shape';
}
