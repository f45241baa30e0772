import { LastfmBusyError, LastfmError, LastfmUnavailableError, kindOfCode } from '../index';
import { SignInError } from './errors';

export type Flow = 'web' | 'desktop' | 'password';

/**
 * What a Last.fm failure during a sign-in means to the person, by flow: error 14 is "declined" on
 * the web, "not approved yet" for a desktop token; 4 is "wrong password" in the password flow.
 * Anything that is not a Last.fm failure is returned as it is.
 */
export function signInFailure(error: unknown, flow: Flow): unknown {
  if (error instanceof LastfmBusyError) {
    return new SignInError('lastfm-busy', { cause: error, retryAfterSeconds: Math.max(1, Math.ceil(error.retryAfterMs / 1000)) });
  }
  if (error instanceof LastfmUnavailableError) return new SignInError('lastfm-unavailable', { cause: error });
  if (!(error instanceof LastfmError)) return error;
  switch (kindOfCode(error.code)) {
    case 'token-unauthorized':
      return new SignInError(flow === 'desktop' ? 'token-not-approved' : 'access-declined', { cause: error });
    case 'token-expired':
      return new SignInError('token-expired', { cause: error });
    case 'auth-failed':
      return new SignInError(flow === 'password' ? 'wrong-password' : 'lastfm-refused', { cause: error });
    case 'rate-limited':
      return new SignInError('lastfm-busy', { status: 429, cause: error, retryAfterSeconds: 60 });
    case 'temporary':
    case 'operation-failed':
      return new SignInError('lastfm-unavailable', { cause: error });
    case 'invalid-parameter':
      return new SignInError('lastfm-refused', { message: `Last.fm said: ${error.lastfmMessage}`, cause: error });
    case 'session-invalid':
    case 'login-required':
      return new SignInError('lastfm-refused', { cause: error });
    case 'api-key':
    case 'bug':
    case 'unknown':
      return new SignInError('lastfm-config', { cause: error });
  }
}
