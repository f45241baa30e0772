import { makeRoom } from './bounded-map';

/** A token bucket: `burst` at once, then one more every `everyMs`. */
export interface RateLimit {
  burst: number;
  everyMs: number;
}

/** A rate per key (an address, say): 0 when allowed, else the milliseconds until the key may go again. */
export interface RateLimiter {
  take(key: string): Promise<number>;
}

/** Bounds memory when someone sprays requests from many addresses. */
const MAX_KEYS = 10_000;

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Token buckets of one process; `lastfm-sign-in/redis` shares them between instances with the
 * same arithmetic. A rate, not a count of calls under way: a client that waits for each answer
 * still gets only `burst`, then one every `everyMs`.
 */
export class MemoryRateLimiter implements RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly limit: RateLimit,
    private readonly now: () => number = Date.now,
  ) {}

  take(key: string): Promise<number> {
    const at = this.now();
    const stored = this.buckets.get(key);
    const tokens = stored === undefined ? this.limit.burst : Math.min(this.limit.burst, stored.tokens + (at - stored.at) / this.limit.everyMs);
    if (tokens < 1) return Promise.resolve(Math.max(1, Math.ceil((1 - tokens) * this.limit.everyMs)));
    this.buckets.delete(key);
    // Map order is last-use order: full buckets (as good as forgotten) and, if still full, the oldest go first.
    makeRoom(this.buckets, MAX_KEYS, (bucket) => bucket.tokens + (at - bucket.at) / this.limit.everyMs >= this.limit.burst);
    this.buckets.set(key, { tokens: tokens - 1, at });
    return Promise.resolve(0);
  }
}
