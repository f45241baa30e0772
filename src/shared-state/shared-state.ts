import type { AttemptCounter, AttemptLimit, CallBudget, RateLimit, RateLimiter, TokenExchanges } from 'lastfm-sign-in';

/**
 * Everything that must hold across requests, and so across app instances: Last.fm's call budget,
 * attempt counters, the desktop token-exchange guard (all three from lastfm-sign-in, which keeps
 * them in memory or, with lastfm-sign-in/redis, in Redis), and each person's cached reads with the
 * version that says when they went stale. One process keeps it in memory (memory-state.ts); with
 * SESSION_STORE=redis it lives in Redis (redis-state.ts), so any number of instances act as one.
 * Nothing else in the app keeps cross-request state of its own, except per-process copies whose
 * freshness these decide (the reused home pages).
 */

/** A person's reads as stored: `version` is the person's version when the read was asked for. */
export interface StoredRead {
  version: number;
  storedAt: number;
  value: unknown;
}

/**
 * Each person's last good reads (profile, recent tracks, tags) and a version that every write
 * moves on. A read stored under an older version is stale everywhere at once.
 */
export interface ReadStore {
  /** The person's version and every stored read, in one round trip. */
  load(user: string): Promise<{ version: number; reads: Map<string, StoredRead> }>;
  save(user: string, kind: string, read: StoredRead): Promise<void>;
  /** A write changed what Last.fm would answer: returns the new version. */
  bump(user: string): Promise<number>;
}

/**
 * Each person's import waiting for their confirmation, as the service wrote it (opaque text): at
 * most one a person, a new one replacing the last, gone after its time. Confirmation takes it
 * once, so a second confirm on any instance finds nothing to queue again.
 */
export interface ImportStaging {
  put(user: string, id: string, data: string, ttlMs: number): Promise<void>;
  peek(user: string, id: string): Promise<string | undefined>;
  take(user: string, id: string): Promise<string | undefined>;
}

export interface SharedState {
  kind: 'memory' | 'redis';
  budget: CallBudget;
  /** A counter per limit, named by the caller ("mobile-client", ...). */
  attempts(name: string, limit: AttemptLimit): AttemptCounter;
  /** A token bucket per key, named by the caller ("sign-in-calls"). */
  rateLimits(name: string, limit: RateLimit): RateLimiter;
  exchanges: TokenExchanges;
  reads: ReadStore;
  imports: ImportStaging;
  close(): Promise<void>;
}
