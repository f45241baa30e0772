import { makeRoom } from './bounded-map';

/** At most `max` attempts per key in a fixed window of `windowMs` from its first attempt. */
export interface AttemptLimit {
  max: number;
  windowMs: number;
}

interface Window {
  startedAt: number;
  count: number;
}

/** Bounds memory when someone sprays attempts under many keys (user names, addresses). */
const MAX_KEYS = 10_000;

/**
 * A fixed-window counter per key, in memory. It takes the clock from outside so tests can move
 * time, and forgets the oldest keys once it holds MAX_KEYS.
 */
export class AttemptLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly limit: AttemptLimit,
    private readonly now: () => number,
    private readonly maxKeys = MAX_KEYS,
  ) {}

  /** Counts one attempt; returns 0 when it is allowed, else the milliseconds until the key may try again. */
  take(key: string): number {
    const at = this.now();
    let window = this.windows.get(key);
    if (window === undefined || at - window.startedAt >= this.limit.windowMs) {
      this.windows.delete(key);
      // Map order is creation order: ended windows and, if still full, the oldest go first.
      makeRoom(this.windows, this.maxKeys, (ended) => at - ended.startedAt >= this.limit.windowMs);
      window = { startedAt: at, count: 0 };
      this.windows.set(key, window);
    }
    if (window.count >= this.limit.max) return window.startedAt + this.limit.windowMs - at;
    window.count += 1;
    return 0;
  }

  forget(key: string): void {
    this.windows.delete(key);
  }

  get size(): number {
    return this.windows.size;
  }
}
