import type { AttemptCounter, AttemptLimit } from 'lastfm-sign-in';
import type { SharedState } from './shared-state/shared-state';

/**
 * `perClient` counts every attempt from one address; `perUser` counts one user name's attempts
 * from browsers that never signed in as it; a browser that did (a known device) has its own
 * `perUser` allowance, which strangers cannot spend.
 */
export interface PasswordLimits {
  perClient: AttemptLimit;
  perUser: AttemptLimit;
}

const DEFAULT_PASSWORD_LIMITS: PasswordLimits = {
  perClient: { max: 5, windowMs: 15 * 60 * 1000 },
  perUser: { max: 5, windowMs: 15 * 60 * 1000 },
};

export interface PasswordAttempts {
  perClient: AttemptCounter;
  perUser: AttemptCounter;
}

/** The password flow's counters, in the shared state, so three instances do not allow three times the guesses. */
export function passwordAttempts(shared: SharedState, limits: PasswordLimits = DEFAULT_PASSWORD_LIMITS): PasswordAttempts {
  return { perClient: shared.attempts('mobile-client', limits.perClient), perUser: shared.attempts('mobile-user', limits.perUser) };
}
