/**
 * Everything that must hold across requests, and so across app instances: Last.fm's call budget,
 * attempt counters, the desktop token-exchange guard, and each person's cached reads with the
 * version that says when they went stale. One process keeps it in memory (memory-state.ts); with
 * SESSION_STORE=redis it lives in Redis (redis-state.ts), so any number of instances act as one.
 * Nothing else in the app keeps cross-request state of its own, except per-process copies whose
 * freshness these decide (the reused home pages).
 */

/** Which calls go first when the budget is tight; 'background' is the outbox's delivery of queued scrobbles. */
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
 */
export interface CallBudget {
  take(priority: CallPriority): Promise<BudgetAnswer>;
  release(slot: string): Promise<void>;
  /** Last.fm answered 29: no instance sends anything for `ms`. */
  backOff(ms: number): Promise<void>;
}

/** A counted attempt: 0 when allowed, else the milliseconds until the key may try again. */
export interface AttemptCounter {
  take(key: string): Promise<number>;
  /** Forgets the key's attempts (after a success). */
  reset(key: string): Promise<void>;
}

export interface AttemptLimit {
  max: number;
  windowMs: number;
}

/**
 * What `TokenExchanges.once` shares between the requests that exchange the same token: the
 * session, or the Last.fm error (code and Last.fm's own message) that ended the exchange.
 */
export type ExchangeOutcome = { ok: true; name: string; key: string; subscriber: boolean } | { ok: false; code: number; message: string };

/**
 * One exchange per desktop token at a time across all instances. A double click sends two
 * requests with the same token: the second would get error 15 (the first spent it), so it waits
 * for the first one's outcome and shares it.
 */
export interface TokenExchanges {
  once(token: string, exchange: () => Promise<ExchangeOutcome>): Promise<ExchangeOutcome>;
}

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

export interface SharedState {
  kind: 'memory' | 'redis';
  budget: CallBudget;
  /** A counter per limit, named by the caller ("mobile-client", ...). */
  attempts(name: string, limit: AttemptLimit): AttemptCounter;
  exchanges: TokenExchanges;
  reads: ReadStore;
  close(): Promise<void>;
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
