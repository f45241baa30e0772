import { kindOfCode } from 'lastfm-sign-in';
import { LastfmBusyError, LastfmError, LastfmUnavailableError } from '../errors';
import type { ReadStore, StoredRead } from '../shared-state/shared-state';

/** How long a person's profile and recent tracks are reused before Last.fm is asked again. */
export const READ_CACHE_TTL_MS = 60_000;

/** A read as the page gets it: `stale` when Last.fm could not be asked and this is the last good copy. */
export interface CachedRead<T> {
  value: T;
  storedAt: number;
  stale: boolean;
}

/**
 * Each person's reads, kept in the shared read store so every instance reuses them, with the
 * person's version: a write moves it on (`invalidate`), and a read stored under an older version
 * is asked for again on any instance. When Last.fm cannot be asked (no slot in the budget in
 * time, unavailable, busy) the last good copy is served instead, marked stale.
 */
export class UserReadCache {
  /**
   * Reads being fetched by this process: concurrent misses share one Last.fm call (25 tabs opened
   * at once would otherwise queue 75 calls). Only calls under way, so nothing outlives them.
   */
  private readonly inFlight = new Map<string, Promise<StoredRead>>();

  constructor(
    private readonly store: ReadStore,
    private readonly now: () => number = Date.now,
    private readonly ttlMs = READ_CACHE_TTL_MS,
  ) {}

  /** What is stored for `user` now, in one round trip to the store. */
  async open(user: string): Promise<PersonReads> {
    // Without the store the page is still served, straight from Last.fm.
    const { version, reads } = await this.store.load(user).catch(() => ({ version: -1, reads: new Map<string, StoredRead>() }));
    return new PersonReads(this, user, version, reads);
  }

  /** A write changed what Last.fm would answer: every instance asks again. */
  async invalidate(user: string): Promise<void> {
    // The write itself went through; a store that cannot count it only leaves this person's
    // pages up to a minute behind, which is no reason to report the write as failed.
    await this.store.bump(user).catch(() => undefined);
  }

  /** @internal used by PersonReads */
  async fetch(user: string, kind: string, version: number, stored: StoredRead | undefined, load: () => Promise<unknown>): Promise<CachedRead<unknown>> {
    if (stored !== undefined && stored.version === version && this.now() - stored.storedAt < this.ttlMs) return { value: stored.value, storedAt: stored.storedAt, stale: false };
    const flightKey = `${user}\u0000${kind}\u0000${version}`;
    let loading = this.inFlight.get(flightKey);
    if (loading === undefined) {
      loading = load().then(async (value) => {
        const read: StoredRead = { version, storedAt: this.now(), value };
        // A copy that cannot be stored is still this request's answer.
        await this.store.save(user, kind, read).catch(() => undefined);
        return read;
      });
      this.inFlight.set(flightKey, loading);
      void loading.finally(() => this.inFlight.delete(flightKey)).catch(() => undefined);
    }
    try {
      const read = await loading;
      return { value: read.value, storedAt: read.storedAt, stale: false };
    } catch (error) {
      if (stored !== undefined && servesStaleCopy(error)) return { value: stored.value, storedAt: stored.storedAt, stale: true };
      throw error;
    }
  }
}

/** One person's reads as one page view sees them. */
export class PersonReads {
  constructor(
    private readonly cache: UserReadCache,
    private readonly user: string,
    /** Equal versions and equal `storedAt`s mean equal values: what was built from them still holds. */
    readonly version: number,
    private readonly stored: Map<string, StoredRead>,
  ) {}

  async get<T>(kind: string, load: () => Promise<T>): Promise<CachedRead<T>> {
    return (await this.cache.fetch(this.user, kind, this.version, this.stored.get(kind), load)) as CachedRead<T>;
  }
}

/** Failures that say nothing about the person's data: the last good copy is still the best answer. */
function servesStaleCopy(error: unknown): boolean {
  if (error instanceof LastfmBusyError || error instanceof LastfmUnavailableError) return true;
  if (!(error instanceof LastfmError)) return false;
  const kind = kindOfCode(error.code);
  return kind === 'temporary' || kind === 'operation-failed' || kind === 'rate-limited';
}
