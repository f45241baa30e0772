import { LastfmBusyError, LastfmError, LastfmUnavailableError } from './errors';
import { kindOfCode } from './error-codes';

export type LastfmFailure = LastfmError | LastfmUnavailableError | LastfmBusyError;

/** Last.fm answered with an error or gave no usable answer, as opposed to a bug here. */
export function isLastfmFailure(error: unknown): error is LastfmFailure {
  return error instanceof LastfmError || error instanceof LastfmUnavailableError || error instanceof LastfmBusyError;
}

/**
 * On a call made with the person's session key, 9 means the key was revoked, and so does 4
 * (Last.fm sends either): the person must be signed out and their scrobbles held.
 */
export function isRevokedKey(error: unknown): boolean {
  if (!(error instanceof LastfmError)) return false;
  const kind = kindOfCode(error.code);
  return kind === 'session-invalid' || kind === 'auth-failed';
}
