import { randomUUID } from 'node:crypto';

/** Which calls go first when the budget is tight; 'background' is for queued work such as an outbox's deliveries. */
export type CallPriority = 'sign-in' | 'write' | 'read' | 'background';

export type BudgetAnswer =
  /** A slot was taken: pass `slot` to `release` when the call has its answer. */
  | { ok: true; slot: string }
  /** No slot now: ask again in `retryInMs`; `pausedMs` > 0 while every instance backs off after error 29. */
  | { ok: false; retryInMs: number; pausedMs: number };

/**
 * Last.fm's rate rule, counted where Last.fm counts it: arrivals per second per API key. A slot is
 * held while its call is under way and for one second after the answer, so no second can see more
 * than `perSecond` arrivals whatever the network does. Reads may use all but a reserve, so a
 * write or sign-in on any instance finds a slot within about a second however busy reads are.
 * MemoryBudget keeps it in one process; `lastfm-sign-in/redis` shares it between instances.
 */
export interface CallBudget {
  take(priority: CallPriority): Promise<BudgetAnswer>;
  release(slot: string): Promise<void>;
  /** Last.fm answered 29: no instance sends anything for `ms`. */
  backOff(ms: number): Promise<void>;
}

export interface BudgetOptions {
  perSecond: number;
  /** How long a slot whose call never reports back stays taken (a crash mid-call). */
  leaseMs: number;
}

/** Reads may not take the last `readReserve` slots of a second. */
export function readReserve(perSecond: number): number {
  return perSecond >= 2 ? Math.max(1, Math.round(perSecond / 5)) : 0;
}

/** How many slots a call of this priority may see taken and still take one. */
export function slotLimit(perSecond: number, priority: CallPriority): number {
  // A draining outbox leaves a reserve to reads as reads leave one to writes, so pages stay fresh while it drains.
  if (priority === 'background') return Math.max(1, perSecond - 2 * readReserve(perSecond));
  return priority === 'read' ? perSecond - readReserve(perSecond) : perSecond;
}

/** An answered call holds its slot this much longer: the arrival window. */
export const SLOT_WINDOW_MS = 1000;

/** The call budget of one process: the same rules as the Redis one, for a single instance. */
export class MemoryBudget implements CallBudget {
  /** Slot id → when it frees. */
  private readonly slots = new Map<string, number>();
  private pausedUntil = 0;

  constructor(
    private readonly options: BudgetOptions,
    private readonly now: () => number = Date.now,
  ) {}

  take(priority: CallPriority): Promise<BudgetAnswer> {
    const at = this.now();
    if (this.pausedUntil > at) return Promise.resolve({ ok: false, retryInMs: this.pausedUntil - at, pausedMs: this.pausedUntil - at });
    for (const [slot, freesAt] of this.slots) if (freesAt <= at) this.slots.delete(slot);
    const limit = slotLimit(this.options.perSecond, priority);
    if (this.slots.size < limit) {
      const slot = randomUUID();
      this.slots.set(slot, at + this.options.leaseMs);
      return Promise.resolve({ ok: true, slot });
    }
    // The soonest moment enough slots have freed for this priority.
    const frees = [...this.slots.values()].sort((a, b) => a - b);
    const needed = frees[this.slots.size - limit] ?? at;
    return Promise.resolve({ ok: false, retryInMs: Math.max(1, needed - at), pausedMs: 0 });
  }

  release(slot: string): Promise<void> {
    if (this.slots.has(slot)) this.slots.set(slot, this.now() + SLOT_WINDOW_MS);
    return Promise.resolve();
  }

  backOff(ms: number): Promise<void> {
    this.pausedUntil = Math.max(this.pausedUntil, this.now() + ms);
    return Promise.resolve();
  }
}
