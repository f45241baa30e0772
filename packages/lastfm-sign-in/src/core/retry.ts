import type { Clock } from './clock';

export interface RetryPolicy {
  /** Tries in all, the first included. */
  maxAttempts: number;
  /** Delay before the first retry; each later one doubles, up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** No retry starts once this much time has gone by since the first try. */
  budgetMs: number;
}

/** The budget leaves room to retry once after a call that hit the 10 s timeout. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 3, baseDelayMs: 300, maxDelayMs: 2000, budgetMs: 12_000 };

export interface RetryOptions {
  policy: RetryPolicy;
  clock: Clock;
  /** Returns [0, 1); injectable so tests can pin the jitter. */
  random?: () => number;
  /** Whether this failure may be retried (the caller knows whether the write could have happened). */
  shouldRetry: (error: unknown) => boolean;
}

/**
 * The wait before try number `step` (1-based) of a doubling backoff capped at `maxMs`, with "equal
 * jitter" (half the ceiling fixed, half random), so many clients that failed together do not all
 * come back at the same moment, and none comes back at once. The outbox's backoff uses it too.
 */
export function equalJitterDelay(step: number, baseMs: number, maxMs: number, random: () => number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, step - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** The delay before retry number `retry` (1-based) under `policy`. */
export function backoffDelay(retry: number, policy: RetryPolicy, random: () => number): number {
  return equalJitterDelay(retry, policy.baseDelayMs, policy.maxDelayMs, random);
}

/** Runs `work`, retrying failures `shouldRetry` accepts, within the policy's tries and time budget. */
export async function withRetry<T>(work: () => Promise<T>, options: RetryOptions): Promise<T> {
  const random = options.random ?? Math.random;
  const started = options.clock.now();
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= options.policy.maxAttempts || !options.shouldRetry(error)) throw error;
      const delay = backoffDelay(attempt, options.policy, random);
      if (options.clock.now() - started + delay > options.policy.budgetMs) throw error;
      await options.clock.sleep(delay);
    }
  }
}
