import { randomUUID } from 'node:crypto';
import { AttemptLimiter } from './attempt-limiter';
import { setNewest } from '../bounded-map';
import {
  SLOT_WINDOW_MS,
  slotLimit,
  type AttemptCounter,
  type AttemptLimit,
  type BudgetAnswer,
  type CallBudget,
  type CallPriority,
  type ExchangeOutcome,
  type ReadStore,
  type SharedState,
  type StoredRead,
  type TokenExchanges,
} from './shared-state';

export interface BudgetOptions {
  perSecond: number;
  /** How long a slot whose call never reports back stays taken (a crash mid-call). */
  leaseMs: number;
}

/** Bounds memory: beyond this many people, the least recently stored reads are dropped. */
const MAX_READ_USERS = 1000;

/**
 * One process's shared state: the same rules as redis-state.ts, for a single instance. The budget
 * keeps the scheduler's time, attempt windows the app's (tests move each on its own).
 */
export function createMemoryState(budget: BudgetOptions, times: { budgetNow?: () => number; now?: () => number } = {}): SharedState {
  const now = times.now ?? Date.now;
  return {
    kind: 'memory',
    budget: new MemoryBudget(budget, times.budgetNow ?? Date.now),
    attempts: (_name: string, limit: AttemptLimit) => new MemoryAttempts(new AttemptLimiter(limit, now)),
    exchanges: new MemoryExchanges(),
    reads: new MemoryReads(),
    close: () => Promise.resolve(),
  };
}

export class MemoryBudget implements CallBudget {
  /** Slot id → when it frees. */
  private readonly slots = new Map<string, number>();
  private pausedUntil = 0;

  constructor(
    private readonly options: BudgetOptions,
    private readonly now: () => number,
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

class MemoryAttempts implements AttemptCounter {
  constructor(private readonly limiter: AttemptLimiter) {}

  take(key: string): Promise<number> {
    return Promise.resolve(this.limiter.take(key));
  }

  reset(key: string): Promise<void> {
    this.limiter.forget(key);
    return Promise.resolve();
  }
}

class MemoryExchanges implements TokenExchanges {
  private readonly pending = new Map<string, Promise<ExchangeOutcome>>();

  once(token: string, exchange: () => Promise<ExchangeOutcome>): Promise<ExchangeOutcome> {
    let outcome = this.pending.get(token);
    if (outcome === undefined) {
      outcome = exchange().finally(() => this.pending.delete(token));
      this.pending.set(token, outcome);
    }
    return outcome;
  }
}

class MemoryReads implements ReadStore {
  private readonly users = new Map<string, { version: number; reads: Map<string, StoredRead> }>();

  load(user: string): Promise<{ version: number; reads: Map<string, StoredRead> }> {
    const entry = this.users.get(user);
    return Promise.resolve({ version: entry?.version ?? 0, reads: new Map(entry?.reads ?? []) });
  }

  save(user: string, kind: string, read: StoredRead): Promise<void> {
    const entry = this.users.get(user) ?? { version: 0, reads: new Map<string, StoredRead>() };
    entry.reads.set(kind, read);
    setNewest(this.users, user, entry, MAX_READ_USERS);
    return Promise.resolve();
  }

  bump(user: string): Promise<number> {
    const entry = this.users.get(user) ?? { version: 0, reads: new Map<string, StoredRead>() };
    entry.version += 1;
    setNewest(this.users, user, entry, MAX_READ_USERS);
    return Promise.resolve(entry.version);
  }
}
