import { AttemptLimiter, type AttemptLimit } from './attempt-limiter';

export type { AttemptLimit };

/** A counted attempt: 0 when allowed, else the milliseconds until the key may try again. */
export interface AttemptCounter {
  take(key: string): Promise<number>;
  /** Forgets the key's attempts (after a success). */
  reset(key: string): Promise<void>;
}

/** Attempt counters of one process; `lastfm-sign-in/redis` shares them between instances. */
export class MemoryAttempts implements AttemptCounter {
  private readonly limiter: AttemptLimiter;

  constructor(limit: AttemptLimit, now: () => number = Date.now) {
    this.limiter = new AttemptLimiter(limit, now);
  }

  take(key: string): Promise<number> {
    return Promise.resolve(this.limiter.take(key));
  }

  reset(key: string): Promise<void> {
    this.limiter.forget(key);
    return Promise.resolve();
  }
}
