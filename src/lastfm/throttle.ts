import type { Clock } from './clock';

export interface ThrottleOptions {
  /** Requests allowed per one-second window. */
  perSecond: number;
  clock: Clock;
}

/** Call this when the request has its answer (or has failed): its slot then lasts one more second. */
export type Release = () => void;

interface Slot {
  /** When the answer came back; undefined while the request is under way. */
  endedAt: number | undefined;
}

const WINDOW_MS = 1000;

/**
 * Keeps calls under Last.fm's rate rule by making callers wait their turn (never by failing),
 * and remembers when Last.fm told us to back off (error 29).
 *
 * The rule is counted where requests arrive, and a request reaches the server at some moment
 * between being sent and its answer coming back. So a slot is held while a request is under way
 * and for one second after its answer: then no server can see more than `perSecond` requests in
 * any second, whatever the network jitter. (Spacing by send times alone let a strict stand-in see
 * 6 in a second and answer 29 to 33 of a burst of 200: bench/throttle.ts.)
 */
export class Throttle {
  private readonly perSecond: number;
  private readonly clock: Clock;
  private slots: Slot[] = [];
  private queue: Promise<void> = Promise.resolve();
  private pausedUntil = 0;
  private wakeUp: (() => void) | undefined;

  constructor(options: ThrottleOptions) {
    if (!Number.isFinite(options.perSecond) || options.perSecond <= 0) throw new Error('perSecond must be a positive number');
    this.perSecond = options.perSecond;
    this.clock = options.clock;
  }

  /** Resolves, in arrival order, when this caller may send; call the returned function when it is done. */
  acquire(): Promise<Release> {
    const turn = this.queue.then(() => this.waitForSlot());
    // A failed wait must not block everyone queued behind it.
    this.queue = turn.then(
      () => undefined,
      () => undefined,
    );
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

  private async waitForSlot(): Promise<Release> {
    for (;;) {
      const now = this.clock.now();
      this.slots = this.slots.filter((slot) => slot.endedAt === undefined || now - slot.endedAt < WINDOW_MS);
      if (this.slots.length < this.perSecond) {
        const slot: Slot = { endedAt: undefined };
        this.slots.push(slot);
        return () => {
          slot.endedAt ??= this.clock.now();
          this.wakeUp?.();
        };
      }
      const ended = this.slots.flatMap((slot) => (slot.endedAt === undefined ? [] : [slot.endedAt]));
      if (ended.length > 0) {
        await this.clock.sleep(Math.min(...ended) + WINDOW_MS - now);
      } else {
        // Every slot is held by a request under way: wait for one to finish.
        await new Promise<void>((resolve) => {
          this.wakeUp = () => {
            this.wakeUp = undefined;
            resolve();
          };
        });
      }
    }
  }
}
