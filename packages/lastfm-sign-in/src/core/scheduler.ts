import type { CallBudget, CallerKind, CallPriority } from './budget';
import type { Clock } from './clock';
import { LastfmBusyError, LastfmError, type BusyReason } from './errors';

export interface SchedulerOptions {
  budget: CallBudget;
  clock: Clock;
  /** How long a call of each priority may wait for a slot before it is refused. */
  deadlinesMs?: Partial<Record<CallPriority, number>>;
  /** Calls waiting on this instance at most; beyond it the lowest-priority newest is refused. */
  maxQueue?: number;
  /** Calls one caller (browser session or address) may have waiting at once. */
  maxWaitingPerCaller?: number;
  /** Longest pause between two looks at a full budget (other instances free slots unseen). */
  maxPollMs?: number;
  /** Told what happens to each call (for metrics); must not throw. */
  listener?: SchedulerListener;
}

/**
 * What the scheduler did, for whoever counts it. `waiting` is how many calls wait on this
 * instance just after the event; `backing-off`: refused because the pause after error 29 would
 * outlast the call's deadline.
 */
export type SchedulerEvent =
  | { type: 'queued'; method: string; priority: CallPriority; waiting: number }
  | { type: 'granted'; method: string; priority: CallPriority; waitedMs: number; waiting: number }
  | { type: 'released'; method: string; priority: CallPriority; heldMs: number }
  | { type: 'refused'; method: string; priority: CallPriority; reason: BusyReason | 'backing-off'; waiting: number }
  | { type: 'back-off'; ms: number };

export type SchedulerListener = (event: SchedulerEvent) => void;

export const DEFAULT_DEADLINES_MS: Record<CallPriority, number> = { 'sign-in': 15_000, write: 15_000, read: 2_000, background: 30_000 };
const DEFAULT_MAX_QUEUE = 200;
// A home page's three reads and one write from another tab.
const DEFAULT_MAX_WAITING_PER_CALLER = 4;
const DEFAULT_MAX_POLL_MS = 200;
const RANK: Record<CallPriority, number> = { 'sign-in': 0, write: 1, read: 2, background: 3 };
/**
 * How much later than a sign-in call a call of each priority counts as having arrived. Strict
 * priority would let a client that keeps a sign-in call waiting at all times starve everyone's
 * writes; with this, a write that has waited a quarter of a second goes before newer sign-ins.
 */
const HANDICAP_MS: Record<CallPriority, number> = { 'sign-in': 0, write: 250, read: 1000, background: 2000 };
/**
 * How far into the budget each priority reaches, in order (the budget's slotLimit, and background
 * standing aside while any other call waits for a slot): once a priority is refused, one that
 * reaches no further need not be asked in the same round.
 */
const REACH: Record<CallPriority, number> = { 'sign-in': 3, write: 3, read: 2, background: 1 };
/** Callers remembered for taking turns; beyond it the one served longest ago is forgotten. */
const MAX_CALLERS_REMEMBERED = 10_000;

export interface CallTicket {
  method: string;
  priority: CallPriority;
  /** Who the call is for; calls without one are not limited per caller. */
  caller: string | undefined;
  /** 'signed-out' for sign-in calls, which share a few of the budget's slots (default 'signed-in'). */
  who?: CallerKind;
}

/**
 * Call when the call has its answer (or has failed, or was never sent): its slot frees a second
 * later at the latest. `sending()`: the call's bytes are on the connection, which is where a budget
 * counting from the send starts its second; without it the slot is held as if counted from the answer.
 */
export type Release = (() => void) & { sending: () => void };

interface Waiting extends CallTicket {
  seq: number;
  queuedAt: number;
  /** When it joined the line, plus its priority's handicap: the smallest goes first. */
  turn: number;
  deadlineAt: number;
  grant: (release: Release) => void;
  refuse: (error: Error) => void;
}

/**
 * Decides when each Last.fm call may be sent, over a budget that every instance shares: sign-in
 * exchanges first, then writes, then reads, callers taking turns within each, and no call waits
 * behind ever newer calls of a higher priority for long (HANDICAP_MS), nor behind a call the
 * budget cannot take now while its own priority could go. Nothing waits without
 * bound: each call has a deadline, the queue a length, and each caller a few places in it; a
 * call refused for any of these was never sent (LastfmBusyError). After error 29 the budget
 * pauses everywhere, waiting calls included; one that cannot outlast the pause is refused at
 * once as Last.fm would refuse it.
 */
export class CallScheduler {
  private readonly budget: CallBudget;
  private readonly clock: Clock;
  private readonly deadlines: Record<CallPriority, number>;
  private readonly maxQueue: number;
  private readonly maxWaitingPerCaller: number;
  private readonly maxPollMs: number;
  private readonly listener: SchedulerListener;
  private readonly queue: Waiting[] = [];
  private seq = 0;
  private pumping = false;
  private wake: (() => void) | undefined;
  /** Set when a call arrives or a slot frees while the loop is busy asking the budget: it must ask again before napping. */
  private poked = false;
  /** Each caller's last turn (a counter, not a time): within a priority, the caller served longest ago goes next. */
  private readonly lastServed = new Map<string, number>();
  private served = 0;

  constructor(options: SchedulerOptions) {
    this.budget = options.budget;
    this.clock = options.clock;
    this.deadlines = { ...DEFAULT_DEADLINES_MS, ...options.deadlinesMs };
    this.maxQueue = options.maxQueue ?? DEFAULT_MAX_QUEUE;
    this.maxWaitingPerCaller = options.maxWaitingPerCaller ?? DEFAULT_MAX_WAITING_PER_CALLER;
    this.maxPollMs = options.maxPollMs ?? DEFAULT_MAX_POLL_MS;
    this.listener = options.listener ?? (() => undefined);
  }

  /** Resolves when the call may be sent; call the returned function once it has its answer. */
  acquire(ticket: CallTicket): Promise<Release> {
    if (ticket.caller !== undefined && this.queue.filter((entry) => entry.caller === ticket.caller).length >= this.maxWaitingPerCaller) {
      return Promise.reject(this.refusal(ticket, 'client-limit'));
    }
    if (this.queue.length >= this.maxQueue) {
      const last = this.lowest();
      if (last === undefined || RANK[last.priority] <= RANK[ticket.priority]) {
        return Promise.reject(this.refusal(ticket, 'queue-full'));
      }
      this.remove(last);
      last.refuse(this.refusal(last, 'queue-full'));
    }
    return new Promise<Release>((grant, refuse) => {
      const at = this.clock.now();
      const entry: Waiting = { ...ticket, seq: (this.seq += 1), queuedAt: at, turn: at + HANDICAP_MS[ticket.priority], deadlineAt: at + this.deadlines[ticket.priority], grant, refuse };
      this.queue.push(entry);
      this.listener({ type: 'queued', method: ticket.method, priority: ticket.priority, waiting: this.queue.length });
      this.nudge();
    });
  }

  /** Last.fm answered 29: every instance stops sending for `ms`. */
  backOff(ms: number): Promise<void> {
    this.listener({ type: 'back-off', ms });
    return this.budget.backOff(ms);
  }

  /** The error a refused call gets, told to the listener (after the call left the queue). */
  private refusal(ticket: CallTicket, reason: BusyReason): LastfmBusyError {
    this.listener({ type: 'refused', method: ticket.method, priority: ticket.priority, reason, waiting: this.queue.length });
    return new LastfmBusyError(reason, ticket.method, this.deadlines[ticket.priority]);
  }

  private nudge(): void {
    this.poked = true;
    if (this.pumping) this.wake?.();
    else void this.pump();
  }

  /**
   * One loop per instance. Each round asks the budget for the next call of each priority, in turn
   * order, until one gets a slot: a call the budget cannot take now (a drain's background call
   * while other instances hold its slots) does not hold up a write or a sign-in behind it.
   */
  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      while (this.refuseOverdue() > 0) {
        this.poked = false;
        let retryInMs = Number.POSITIVE_INFINITY;
        let granted = false;
        let refusedReach = 0;
        for (const candidate of this.candidates()) {
          if (REACH[candidate.priority] <= refusedReach) continue;
          let answer;
          try {
            answer = await this.budget.take(candidate.priority, candidate.who ?? 'signed-in');
          } catch (error) {
            // The shared budget cannot be asked (Redis away): fail the call rather than send blind.
            if (this.remove(candidate)) candidate.refuse(error instanceof Error ? error : new Error(String(error)));
            granted = true;
            break;
          }
          if (answer.ok) {
            this.grant(candidate, answer.slot);
            granted = true;
            break;
          }
          if (answer.pausedMs > 0) {
            this.refuseWhatCannotOutlast(answer.pausedMs);
            retryInMs = Math.min(retryInMs, answer.retryInMs);
            break;
          }
          retryInMs = Math.min(retryInMs, answer.retryInMs);
          // A signed-out call may be refused for its share alone, which says nothing of the rest.
          if (candidate.who !== 'signed-out') refusedReach = Math.max(refusedReach, REACH[candidate.priority]);
        }
        if (granted) continue;
        if (this.queue.length === 0) break;
        // A nudge may have come while the budget was asked (TypeScript cannot see the await's side effects).
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition
        if (this.poked) continue;
        const nearestDeadline = Math.min(...this.queue.map((entry) => entry.deadlineAt)) - this.clock.now();
        await this.nap(Math.min(retryInMs, this.maxPollMs, nearestDeadline));
      }
    } finally {
      this.pumping = false;
    }
  }

  /** Hands the slot to the call, unless its deadline came while the budget was asked. */
  private grant(entry: Waiting, slot: string): void {
    const grantedAt = this.clock.now();
    if (!this.remove(entry)) {
      void this.budget.release(slot).catch(() => undefined);
      this.nudge();
      return;
    }
    if (entry.caller !== undefined) {
      this.lastServed.delete(entry.caller);
      this.lastServed.set(entry.caller, (this.served += 1));
      if (this.lastServed.size > MAX_CALLERS_REMEMBERED) this.lastServed.delete(this.lastServed.keys().next().value as string);
    }
    const done = () => {
      this.listener({ type: 'released', method: entry.method, priority: entry.priority, heldMs: this.clock.now() - grantedAt });
      void this.budget.release(slot).catch(() => undefined);
      this.nudge();
    };
    // Not awaited: the call must not wait for the budget to hear it is going. Nor may a budget of
    // the host's that lacks `sending` (or throws) turn a call already sent into a failure: its
    // answer would be lost, and an outbox would send the same scrobbles again.
    const sending = () => {
      try {
        Promise.resolve(this.budget.sending(slot)).catch(() => undefined);
      } catch {
        // The slot still frees on release; only a send-counted second starts later than it could.
      }
    };
    const release: Release = Object.assign(done, { sending });
    this.listener({ type: 'granted', method: entry.method, priority: entry.priority, waitedMs: grantedAt - entry.queuedAt, waiting: this.queue.length });
    entry.grant(release);
  }

  /**
   * The next call of each priority waiting (signed-out calls apart, as their share may be full
   * when the rest is not), the group whose oldest call's turn came first leading. Within a group,
   * callers take turns: the one served longest ago (or never) goes next, its oldest call first,
   * so one caller's many calls cannot keep another's one waiting.
   */
  private candidates(): Waiting[] {
    const groups = new Map<string, { turn: number; next: Waiting }>();
    for (const entry of this.queue) {
      const group = `${entry.priority}:${entry.who ?? 'signed-in'}`;
      const best = groups.get(group);
      if (best === undefined) groups.set(group, { turn: entry.turn, next: entry });
      else groups.set(group, { turn: Math.min(best.turn, entry.turn), next: this.before(entry, best.next) ? entry : best.next });
    }
    return [...groups.values()].sort((a, b) => a.turn - b.turn).map((group) => group.next);
  }

  /** Whether `a` goes before `b` of the same priority. */
  private before(a: Waiting, b: Waiting): boolean {
    const servedA = a.caller === undefined ? 0 : (this.lastServed.get(a.caller) ?? 0);
    const servedB = b.caller === undefined ? 0 : (this.lastServed.get(b.caller) ?? 0);
    return servedA !== servedB ? servedA < servedB : a.seq < b.seq;
  }

  /** Refuses the calls whose deadline has passed; returns how many are still waiting. */
  private refuseOverdue(): number {
    const now = this.clock.now();
    for (const entry of [...this.queue]) {
      if (entry.deadlineAt <= now && this.remove(entry)) entry.refuse(this.refusal(entry, 'deadline'));
    }
    return this.queue.length;
  }

  private refuseWhatCannotOutlast(pausedMs: number): void {
    const now = this.clock.now();
    for (const entry of [...this.queue]) {
      if (entry.deadlineAt - now < pausedMs && this.remove(entry)) {
        this.listener({ type: 'refused', method: entry.method, priority: entry.priority, reason: 'backing-off', waiting: this.queue.length });
        entry.refuse(new LastfmError(29, 'Rate limit exceeded (backing off; not sent)', entry.method, 0));
      }
    }
  }

  /** Sleeps, or less when a call arrives or a slot frees on this instance. */
  private nap(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        this.wake = undefined;
        resolve();
      };
      this.wake = done;
      void this.clock.sleep(Math.max(1, ms)).then(done);
    });
  }

  private lowest(): Waiting | undefined {
    if (this.queue.length === 0) return undefined;
    return this.queue.reduce((worst, entry) => (RANK[entry.priority] > RANK[worst.priority] || (entry.priority === worst.priority && entry.seq > worst.seq) ? entry : worst));
  }

  private remove(entry: Waiting): boolean {
    const at = this.queue.indexOf(entry);
    if (at === -1) return false;
    this.queue.splice(at, 1);
    return true;
  }
}
