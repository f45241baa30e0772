/** How long a person's profile and recent tracks are reused before Last.fm is asked again. */
export const READ_CACHE_TTL_MS = 60_000;
/** Bounds memory: beyond this many people, the least recently stored are dropped. */
const MAX_USERS = 1000;

interface Entry {
  value: unknown;
  expiresAt: number;
}

/**
 * A short per-user cache for reads, so each page view does not cost Last.fm calls. Writes call
 * `invalidate` so the next page shows what they changed.
 */
export class UserReadCache {
  private readonly users = new Map<string, Map<string, Entry>>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly ttlMs = READ_CACHE_TTL_MS,
  ) {}

  async get<T>(user: string, kind: string, load: () => Promise<T>): Promise<T> {
    const entry = this.users.get(user)?.get(kind);
    if (entry !== undefined && entry.expiresAt > this.now()) return entry.value as T;
    const value = await load();
    this.store(user, kind, value);
    return value;
  }

  invalidate(user: string): void {
    this.users.delete(user);
  }

  private store(user: string, kind: string, value: unknown): void {
    const entries = this.users.get(user) ?? new Map<string, Entry>();
    // Re-inserting moves the user to the end, so the oldest users sit at the front.
    this.users.delete(user);
    entries.set(kind, { value, expiresAt: this.now() + this.ttlMs });
    this.users.set(user, entries);
    for (const oldest of this.users.keys()) {
      if (this.users.size <= MAX_USERS) break;
      this.users.delete(oldest);
    }
  }
}
