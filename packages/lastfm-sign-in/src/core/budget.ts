import { randomUUID } from 'node:crypto';

/** Which calls go first when the budget is tight; 'background' is for queued work such as an outbox's deliveries. */
export type CallPriority = 'sign-in' | 'write' | 'read' | 'background';

/**
 * Whom a call is made for. 'signed-out': a sign-in call (auth.getToken, auth.getSession,
 * auth.getMobileSession), which anyone can cause without an account here; these together may
 * hold only `signedOutShare` slots, so a flood of made-up sign-ins cannot take the slots signed-in
 * people's writes and reads need.
 */
export type CallerKind = 'signed-in' | 'signed-out';

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
  /** `who` is required so that a wrapper cannot drop it unseen and lift the signed-out share. */
  take(priority: CallPriority, who: CallerKind): Promise<BudgetAnswer>;
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

/**
 * Slots sign-in calls together may hold: two of every five (2 of Last.fm's 5 a second). A
 * sign-in is one or two calls, so that is still about 120 sign-ins a minute for the whole app,
 * far more than people clicking through Last.fm's pages make, while three of five slots stay
 * for the signed-in. At 1 or 2 a second it is 1: sign-in must stay possible.
 */
export function signedOutShare(perSecond: number): number {
  return Math.max(1, Math.floor((perSecond * 2) / 5));
}

/** An answered call holds its slot this much longer: the arrival window. */
export const SLOT_WINDOW_MS = 1000;

/** The call budget of one process: the same rules as the Redis one, for a single instance. */
export class MemoryBudget implements CallBudget {
  /** Slot id → when it frees. */
  private readonly slots = new Map<string, number>();
  /** The slots of `slots` that signed-out calls hold, with the same times. */
  private readonly signedOut = new Map<string, number>();
  private pausedUntil = 0;

  constructor(
    private readonly options: BudgetOptions,
    private readonly now: () => number = Date.now,
  ) {}

  take(priority: CallPriority, who: CallerKind): Promise<BudgetAnswer> {
    const at = this.now();
    if (this.pausedUntil > at) return Promise.resolve({ ok: false, retryInMs: this.pausedUntil - at, pausedMs: this.pausedUntil - at });
    for (const [slot, freesAt] of this.slots) {
      if (freesAt > at) continue;
      this.slots.delete(slot);
      this.signedOut.delete(slot);
    }
    const limit = slotLimit(this.options.perSecond, priority);
    if (this.slots.size >= limit) return Promise.resolve(refusal(this.slots, limit, at));
    const share = signedOutShare(this.options.perSecond);
    if (who === 'signed-out' && this.signedOut.size >= share) return Promise.resolve(refusal(this.signedOut, share, at));
    const slot = randomUUID();
    this.slots.set(slot, at + this.options.leaseMs);
    if (who === 'signed-out') this.signedOut.set(slot, at + this.options.leaseMs);
    return Promise.resolve({ ok: true, slot });
  }

  release(slot: string): Promise<void> {
    const freesAt = this.now() + SLOT_WINDOW_MS;
    if (this.slots.has(slot)) this.slots.set(slot, freesAt);
    if (this.signedOut.has(slot)) this.signedOut.set(slot, freesAt);
    return Promise.resolve();
  }

  backOff(ms: number): Promise<void> {
    this.pausedUntil = Math.max(this.pausedUntil, this.now() + ms);
    return Promise.resolve();
  }
}

/** No slot among `held` (slot → when it frees) while `limit` are taken: the soonest moment enough have freed. */
function refusal(held: Map<string, number>, limit: number, at: number): BudgetAnswer {
  const frees = [...held.values()].sort((a, b) => a - b);
  const needed = frees[held.size - limit] ?? at;
  return { ok: false, retryInMs: Math.max(1, needed - at), pausedMs: 0 };
}
