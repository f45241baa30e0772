import { setNewest } from '../bounded-map';

/** How long a person's profile and recent tracks are reused before Last.fm is asked again. */
export const READ_CACHE_TTL_MS = 60_000;
/** Bounds memory: beyond this many people, the least recently stored are dropped. */
const MAX_USERS = 1000;

interface Entry {
  value: unknown;
  expiresAt: number;
}

interface UserEntries {
  entries: Map<string, Entry>;
  /** Changes whenever anything stored for this user does; never reused, even after eviction. */
  version: number;
}

/**
 * A short per-user cache for reads, so each page view does not cost Last.fm calls. Writes call
 * `invalidate` so the next page shows what they changed. Concurrent misses for the same read share
 * one Last.fm call: 25 tabs opened at once would otherwise queue 75 calls behind the rate limit.
 */
export class UserReadCache {
  private readonly users = new Map<string, UserEntries>();
  private lastVersion = 0;
  private readonly inFlight = new Map<string, Promise<unknown>>();
  /** Bumped by `invalidate`, so a read that started before a write cannot store what it saw. */
  private readonly generations = new Map<string, number>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly ttlMs = READ_CACHE_TTL_MS,
  ) {}

  async get<T>(user: string, kind: string, load: () => Promise<T>): Promise<T> {
    const entry = this.users.get(user)?.entries.get(kind);
    if (entry !== undefined && entry.expiresAt > this.now()) return entry.value as T;
    const flightKey = `${user}\u0000${kind}`;
    const pending = this.inFlight.get(flightKey);
    if (pending !== undefined) return pending as Promise<T>;
    const generation = this.generations.get(user) ?? 0;
    const loading = load().then((value) => {
      if ((this.generations.get(user) ?? 0) === generation) this.store(user, kind, value);
      return value;
    });
    this.inFlight.set(flightKey, loading);
    try {
      return await loading;
    } finally {
      if (this.inFlight.get(flightKey) === loading) this.inFlight.delete(flightKey);
    }
  }

  /**
   * Names what is stored for `user` right now: equal versions mean the same values, so whatever
   * was built from them (the rendered home page) still holds. Undefined when nothing is stored.
   */
  version(user: string): number | undefined {
    return this.users.get(user)?.version;
  }

  invalidate(user: string): void {
    this.users.delete(user);
    for (const key of this.inFlight.keys()) if (key.startsWith(`${user}\u0000`)) this.inFlight.delete(key);
    this.generations.set(user, (this.generations.get(user) ?? 0) + 1);
    if (this.generations.size > MAX_USERS) this.generations.delete(this.generations.keys().next().value as string);
  }

  private store(user: string, kind: string, value: unknown): void {
    const entries = this.users.get(user)?.entries ?? new Map<string, Entry>();
    entries.set(kind, { value, expiresAt: this.now() + this.ttlMs });
    this.lastVersion += 1;
    setNewest(this.users, user, { entries, version: this.lastVersion }, MAX_USERS);
  }
}
