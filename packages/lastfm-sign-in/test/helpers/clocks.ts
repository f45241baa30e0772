import type { Clock } from '../../src/core/clock';

/** Lets every promise callback queued so far (and those they queue) run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i += 1) await new Promise((resolve) => setImmediate(resolve));
}

/** Time that moves only when a test says so; sleepers wake in order as it passes their moment. */
export class ManualClock implements Clock {
  private at: number;
  private sleepers: { until: number; wake: () => void }[] = [];

  constructor(start = 0) {
    this.at = start;
  }

  now = (): number => this.at;

  sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      this.sleepers.push({ until: this.at + ms, wake: resolve });
    });

  /** Moves time on by `ms`, waking each sleeper at its moment and letting what it starts run. */
  async advance(ms: number): Promise<void> {
    const end = this.at + ms;
    await settle();
    for (;;) {
      const next = this.sleepers.filter((s) => s.until <= end).sort((a, b) => a.until - b.until)[0];
      if (next === undefined) break;
      this.at = Math.max(this.at, next.until);
      this.sleepers = this.sleepers.filter((s) => s !== next);
      next.wake();
      await settle();
    }
    this.at = end;
    await settle();
  }
}

/** A clock whose sleeps return at once and move time on; `delays` records every wait asked for. */
export function instantClock(start = Date.UTC(2026, 10, 23, 12)): Clock & { delays: number[]; advance(ms: number): void } {
  let now = start;
  const delays: number[] = [];
  return {
    delays,
    now: () => now,
    sleep: (ms) => {
      delays.push(ms);
      now += ms;
      return Promise.resolve();
    },
    advance: (ms) => {
      now += ms;
    },
  };
}
