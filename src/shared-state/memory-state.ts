import { MemoryAttempts, MemoryBudget, MemoryExchanges, MemoryRateLimiter, setNewest, type BudgetOptions } from 'lastfm-sign-in';
import type { ImportStaging, ReadStore, SharedState, StoredRead } from './shared-state';

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
    attempts: (_name, limit) => new MemoryAttempts(limit, now),
    rateLimits: (_name, limit) => new MemoryRateLimiter(limit, now),
    exchanges: new MemoryExchanges(),
    reads: new MemoryReads(),
    imports: new MemoryImportStaging(now),
    close: () => Promise.resolve(),
  };
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

class MemoryImportStaging implements ImportStaging {
  private readonly staged = new Map<string, { id: string; data: string; expiresAt: number }>();

  constructor(private readonly now: () => number) {}

  put(user: string, id: string, data: string, ttlMs: number): Promise<void> {
    setNewest(this.staged, user, { id, data, expiresAt: this.now() + ttlMs }, MAX_READ_USERS);
    return Promise.resolve();
  }

  peek(user: string, id: string): Promise<string | undefined> {
    const entry = this.staged.get(user);
    return Promise.resolve(entry !== undefined && entry.id === id && entry.expiresAt > this.now() ? entry.data : undefined);
  }

  async take(user: string, id: string): Promise<string | undefined> {
    const data = await this.peek(user, id);
    if (data !== undefined) this.staged.delete(user);
    return data;
  }
}
