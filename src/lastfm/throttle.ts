import type { Clock } from './clock';

export interface ThrottleOptions {
  /** Requests allowed to start in any one-second window. */
  perSecond: number;
  clock: Clock;
}

/**
 * Keeps calls under Last.fm's rate rule by making callers wait their turn (never by failing),
 * and remembers when Last.fm told us to back off (error 29).
 */
export class Throttle {
  private readonly perSecond: number;
  private readonly clock: Clock;
  /** Start times of the most recent calls, oldest first, at most `perSecond` of them. */
  private readonly starts: number[] = [];
  private queue: Promise<void> = Promise.resolve();
  private pausedUntil = 0;

  constructor(options: ThrottleOptions) {
    if (!Number.isFinite(options.perSecond) || options.perSecond <= 0) throw new Error('perSecond must be a positive number');
    this.perSecond = options.perSecond;
    this.clock = options.clock;
  }

  /** Resolves when this caller may send; callers are served in arrival order. */
  acquire(): Promise<void> {
    const turn = this.queue.then(() => this.waitForSlot());
    // A failed wait must not block everyone queued behind it.
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  /** Last.fm said "rate limit exceeded": send nothing more until `ms` from now. */
  backOff(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.clock.now() + ms);
  }

  /** Milliseconds left in a back-off, 0 when none. */
  backOffRemaining(): number {
    return Math.max(0, this.pausedUntil - this.clock.now());
  }

  private async waitForSlot(): Promise<void> {
    for (;;) {
      const now = this.clock.now();
      const oldest = this.starts[0];
      if (this.starts.length < this.perSecond || oldest === undefined || now - oldest >= 1000) {
        this.starts.push(now);
        while (this.starts.length > this.perSecond) this.starts.shift();
        return;
      }
      await this.clock.sleep(1000 - (now - oldest));
    }
  }
}
