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
 * Last.fm's rate rule, counted where Last.fm counts it: arrivals per second per API key. By default
 * (`countFrom: 'answer'`) a slot is held while its call is under way and for a second after the
 * answer: the call arrived before its answer came, so no delay on the way can make more than
 * `perSecond` arrivals of any second, but each slot also waits out the answer's time (with 300 ms
 * answers, 5 / 1.3 calls a second). `countFrom: 'send'` ends a slot a second and a margin
 * (SEND_MARGIN_MS) after its call's bytes were written to the connection (`sending`), or a second
 * after the answer if that comes sooner: the full rate whatever the answers take. Why that holds:
 * the budget stamps `sending` with its own clock when it hears of it, which is no earlier than the
 * bytes left; the next call is granted no earlier than that stamp plus a second and the margin,
 * and arrives no earlier than its grant plus its own one-way trip. So two calls arrive closer than
 * a second only if one's trip (including the time Last.fm takes to count it) exceeds the other's
 * by more than the margin. The mark comes after any DNS lookup, connect and TLS handshake, so
 * connection setup no longer counts, only the jitter of a trip over an open connection and any
 * stall at Last.fm's end; a call whose transport never reports `sending` is counted from its
 * answer. A slot whose call never reports back frees after `leaseMs`. Outbox deliveries
 * (background) may use every slot, one grant per backgroundSpacingMs so that slots free one at a
 * time; any other call refused for want of a slot marks that it waits, and background calls then
 * stand aside until it has had the next one. Reads may use all but a reserve, so a write or
 * sign-in on any instance finds a slot soon however busy reads are. MemoryBudget keeps it in one
 * process; `lastfm-sign-in/redis` shares it between instances.
 */
export interface CallBudget {
  /** `who` is required so that a wrapper cannot drop it unseen and lift the signed-out share. */
  take(priority: CallPriority, who: CallerKind): Promise<BudgetAnswer>;
  /** The slot's call has been written to the connection: counting from the send, its second starts here. */
  sending(slot: string): Promise<void>;
  /** The slot's call has its answer (or failed, or was never sent): it frees a second from now at the latest. */
  release(slot: string): Promise<void>;
  /** Last.fm answered 29: no instance sends anything for `ms`. */
  backOff(ms: number): Promise<void>;
}

/** Where a slot's second starts: at its call's send, or at its answer. */
export type SlotCount = 'send' | 'answer';

export interface BudgetOptions {
  perSecond: number;
  /** How long a slot whose call never reports back stays taken (a crash mid-call): longer than any call takes. */
  leaseMs: number;
  /** Default 'answer'. */
  countFrom?: SlotCount;
}

/** Reads may not take the last `readReserve` slots of a second. */
export function readReserve(perSecond: number): number {
  return perSecond >= 2 ? Math.max(1, Math.round(perSecond / 5)) : 0;
}

/** How many slots a call of this priority may see taken and still take one. */
export function slotLimit(perSecond: number, priority: CallPriority): number {
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

/** Last.fm's window: at most perSecond arrivals in any this many ms. */
export const SLOT_WINDOW_MS = 1000;

/**
 * A slot counted from its send lasts this much longer than the window: the most by which one
 * call's trip from its written bytes to being counted at Last.fm may exceed another's (the
 * argument at CallBudget). Connection setup no longer counts, but a stall at the counting end
 * does: the strict stand-in, in its own process on 2 busy cores, had its event loop held up by up
 * to 20-360 ms in each drain case, and with 50 ms an error 29 came in 3 of 4 drain runs; 100 ms
 * gave none in 3 (bench/README.md, issue 21). Each 10 ms of it costs about 1/100 of the rate when
 * answers are slow.
 */
export const SEND_MARGIN_MS = 100;

/** A slot's second and margin, counted from its send. */
export const SENT_SLOT_MS = SLOT_WINDOW_MS + SEND_MARGIN_MS;

/**
 * The least time between two background grants: a drain's slots then free one at a time, evenly,
 * not five at once, so a call that arrives waits at most about this long for the next. Counted
 * from the answer, a slot lasts a second plus the answer's time, so the recent answer time
 * (`answerMs`, see answerTime) widens the spacing to match: with 300 ms answers five grants 260 ms
 * apart, not five in 800 ms and then a 500 ms gap.
 */
export function backgroundSpacingMs(perSecond: number, countFrom: SlotCount = 'answer', answerMs = 0): number {
  return Math.ceil((countFrom === 'send' ? SENT_SLOT_MS : SLOT_WINDOW_MS + answerMs) / perSecond);
}

/** Recent answer time: each new one moves it a fifth of the way, so one slow answer does not stretch the spacing alone. */
export function answerTime(previousMs: number | undefined, heldMs: number): number {
  return previousMs === undefined ? heldMs : Math.round(previousMs * 0.8 + heldMs * 0.2);
}

/** The call budget of one process: the same rules as the Redis one, for a single instance. */
export class MemoryBudget implements CallBudget {
  /** Slot id → when it frees. */
  private readonly slots = new Map<string, number>();
  /** The slots of `slots` that signed-out calls hold, with the same times. */
  private readonly signedOut = new Map<string, number>();
  private pausedUntil = 0;
  private lastBackgroundAt = Number.NEGATIVE_INFINITY;
  /** Recent time from grant to answer, counting from the answer (answerTime). */
  private answerMs: number | undefined;
  /** Until when a call refused for want of a slot has first claim on a freed one, ahead of background calls. */
  private waitingUntil = 0;

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
    const spacing = backgroundSpacingMs(this.options.perSecond, this.options.countFrom, this.answerMs);
    if (priority === 'background') {
      const wait = Math.max(this.waitingUntil, this.lastBackgroundAt + spacing) - at;
      if (wait > 0) return Promise.resolve({ ok: false, retryInMs: wait, pausedMs: 0 });
    }
    // A sign-in refused for its share alone would wait as long with every other slot free: it marks nothing.
    const share = signedOutShare(this.options.perSecond);
    if (who === 'signed-out' && this.signedOut.size >= share) return Promise.resolve(refusal(this.signedOut, share, at));
    const limit = slotLimit(this.options.perSecond, priority);
    if (this.slots.size >= limit) {
      const answer = refusal(this.slots, limit, at);
      if (priority !== 'background') this.waitingUntil = Math.max(this.waitingUntil, at + answer.retryInMs + spacing);
      return Promise.resolve(answer);
    }
    const slot = randomUUID();
    const freesAt = at + this.options.leaseMs;
    this.slots.set(slot, freesAt);
    if (who === 'signed-out') this.signedOut.set(slot, freesAt);
    if (priority === 'background') this.lastBackgroundAt = at;
    return Promise.resolve({ ok: true, slot });
  }

  sending(slot: string): Promise<void> {
    if (this.options.countFrom === 'send') this.freeBy(slot, this.now() + SENT_SLOT_MS);
    return Promise.resolve();
  }

  release(slot: string): Promise<void> {
    const at = this.now();
    // Until its answer a slot counted from the answer ends at its grant plus the lease.
    const freesAt = this.slots.get(slot);
    if (this.options.countFrom !== 'send' && freesAt !== undefined) this.answerMs = answerTime(this.answerMs, Math.max(0, at - (freesAt - this.options.leaseMs)));
    this.freeBy(slot, at + SLOT_WINDOW_MS);
    return Promise.resolve();
  }

  /** Brings the slot's end forward to `at`, never later than it was. */
  private freeBy(slot: string, at: number): void {
    for (const held of [this.slots, this.signedOut]) {
      const freesAt = held.get(slot);
      if (freesAt !== undefined) held.set(slot, Math.min(freesAt, at));
    }
  }

  backOff(ms: number): Promise<void> {
    this.pausedUntil = Math.max(this.pausedUntil, this.now() + ms);
    return Promise.resolve();
  }
}

/** No slot among `held` (slot → when it frees) while `limit` are taken: the soonest moment enough have freed. */
function refusal(held: Map<string, number>, limit: number, at: number): Extract<BudgetAnswer, { ok: false }> {
  const frees = [...held.values()].sort((a, b) => a - b);
  const needed = frees[held.size - limit] ?? at;
  return { ok: false, retryInMs: Math.max(1, needed - at), pausedMs: 0 };
}
