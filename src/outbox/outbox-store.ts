/**
 * The durable outbox for scrobbles: every scrobble is written here first, where the sessions are
 * (SQLite, Redis or memory), and leaves only once Last.fm's answer for it is known. Delivery claims
 * one person's oldest waiting scrobbles at a time under a lease, so with several instances each
 * scrobble is in exactly one delivery's hands; a claimer that dies leaves a lease that runs out.
 */

/**
 * Settled scrobbles stay on the home page this long: the outbox prunes them then, and Redis also
 * lets them expire on their own.
 */
export const KEEP_SETTLED_MS = 24 * 60 * 60 * 1000;

/**
 * What a person held (Last.fm refused their key) leaves behind is kept this long from when the
 * hold began, for them to sign in again; then it is deleted, key and all. Last.fm takes no
 * scrobble played more than 14 days ago, so nothing held longer could still be sent.
 */
export const KEEP_HELD_MS = 14 * 24 * 60 * 60 * 1000;

/** What a JSON client sees: `queued` until Last.fm's answer is known. */
export type ScrobbleState = 'queued' | 'accepted' | 'ignored' | 'failed';

export interface NewScrobble {
  id: string;
  /** The send (form, file, "Scrobble again") it came in with, for progress. */
  batch: string;
  artist: string;
  track: string;
  album?: string | undefined;
  /** UTC seconds, as played: sent as is, however late. */
  timestamp: number;
}

export interface StoredScrobble extends NewScrobble {
  /** userKey of the person. */
  user: string;
  state: ScrobbleState;
  /** Why it was ignored or failed, or the last temporary failure while queued. */
  reason?: string | undefined;
  /** Calls that carried it and got no usable answer (a timeout, a cut-off answer, a crash mid-call). */
  unanswered: number;
  /** Calls that carried it, answered or not. */
  tries: number;
  queuedAt: number;
  settledAt?: number | undefined;
}

/** One person's waiting scrobbles, held by one delivery until `finish` or the lease runs out. */
export interface Claim {
  user: string;
  token: string;
  /** The person's Last.fm session key, sealed (see ScrobbleOutbox). */
  sealedKey: string;
  /** Failed calls in a row, for the backoff. */
  failures: number;
  /** Oldest first by time played, at most the claim's `max`. */
  items: StoredScrobble[];
  /**
   * Ids of claimed scrobbles whose stored text could not be read back: they are set aside as
   * failed, so they cannot stop the person's other scrobbles, or anyone else's.
   */
  unreadable?: string[];
}

export interface Settled {
  id: string;
  state: Exclude<ScrobbleState, 'queued'>;
  reason?: string | undefined;
}

/** How a claim ends: the items in `settled` leave the queue; the rest go back to it. */
export interface ClaimOutcome {
  settled: Settled[];
  /** Whether a call carrying the items was sent (so each counts a try). */
  sent: boolean;
  /** The call got no usable answer: the items still queued are marked as sent again next time. */
  unanswered: boolean;
  /** Why the rest go back, shown while they wait. */
  reason?: string | undefined;
  /** When the person's queue may be claimed again; undefined: at once. */
  retryAt?: number | undefined;
  /** Last.fm refused the session key (9): nothing more until the person signs in again. */
  hold?: boolean;
  /** Failed calls in a row after this one (0 after an answer). */
  failures: number;
}

export interface BatchProgress {
  batch: string;
  total: number;
  /** Settled, whatever the answer. */
  done: number;
  accepted: number;
  ignored: number;
  failed: number;
  queuedAt: number;
}

/** Which part of a person's list to read: `limit` scrobbles from `offset`, newest first. */
export interface OutboxPage {
  offset: number;
  limit: number;
}

/**
 * What the home page and GET /track/scrobbles show of one person's outbox. Every store reads only
 * the page asked for; the numbers come from counters or counts, never from reading every scrobble.
 */
export interface OutboxView {
  waiting: number;
  /** Answered scrobbles still kept (KEEP_SETTLED_MS): the list holds `waiting + settled`. */
  settled: number;
  /** Waiting for the person to sign in again (Last.fm refused the session key). */
  held: boolean;
  /** Where `recent` starts in the whole list. */
  offset: number;
  /** The page asked for, newest first: queued ones (latest played first), then the latest answered. */
  recent: StoredScrobble[];
  /** Sends with scrobbles still queued, oldest first. */
  batches: BatchProgress[];
  /** Why the next scrobble to go (the front of the queue) still waits, once a try has failed. */
  waitingReason: string | undefined;
}

export interface ClaimRequest {
  /**
   * Only this person's queue (the request that just queued it), even during their backoff: they
   * asked just now. Otherwise the due person whose turn is oldest.
   */
  user?: string;
  max: number;
  leaseMs: number;
  now: number;
}

/** Everyone's outbox at a glance, for metrics: a few numbers, whatever the number of scrobbles. */
export interface OutboxStats {
  /** Scrobbles queued for people whose queue moves. */
  queued: number;
  /** Scrobbles queued for people who must sign in again first (Last.fm refused their key). */
  held: number;
  /**
   * When the next scrobble to go (the front of a moving queue) was queued, for the person whose
   * front has waited longest; undefined when nothing moving is queued. A stuck queue's front stays,
   * so this ages while delivery is stuck, and each person's front is one cheap read.
   */
  oldestQueuedAt: number | undefined;
}

export interface OutboxStore {
  kind: 'sqlite' | 'redis' | 'memory';
  /** The sessions' store was closed under it (shutdown): the delivery loop ends. */
  readonly closed: boolean;
  /**
   * Queues the scrobbles and keeps the person's (sealed) key for sending them; all or none: an
   * OutboxFullError when the person's waiting scrobbles would pass `maxWaiting`.
   */
  add(user: string, sealedKey: string, items: readonly NewScrobble[], now: number, maxWaiting: number): Promise<void>;
  /** The oldest due person's oldest waiting scrobbles, under a fresh lease; undefined when none is due. */
  claim(request: ClaimRequest): Promise<Claim | undefined>;
  /**
   * Extends the lease; with `sending`, records that a call is about to go, so a claimer that dies
   * before `finish` leaves the items marked as sent without an answer. False when the lease was lost.
   */
  renew(claim: Claim, leaseMs: number, now: number, sending: boolean): Promise<boolean>;
  /** Records the answers; a person with nothing left waiting is forgotten, sealed key and all. */
  finish(claim: Claim, outcome: ClaimOutcome, now: number): Promise<void>;
  /**
   * The person signed in again: the new key, and a held queue goes again. `sealKey` is called
   * only where it may be kept: a store that can tell the person has nothing here seals nothing
   * (most sign-ins; sealing is an AES-GCM run).
   */
  resume(user: string, sealKey: () => string, now: number): Promise<void>;
  /**
   * Drops the person's waiting scrobbles and their key at once (they chose so when signing out
   * everywhere); a call already under way cannot be taken back. Returns how many were dropped.
   */
  discard(user: string): Promise<number>;
  /** One page of the person's list, with their counts (see OutboxView); answered before `now - KEEP_SETTLED_MS` is gone. */
  view(user: string, page: OutboxPage, now: number): Promise<OutboxView>;
  /** The current state of these scrobbles (missing ones left out). */
  get(ids: readonly string[]): Promise<StoredScrobble[]>;
  /**
   * Forgets settled scrobbles settled before `before`, and everything of people held since before
   * `heldBefore` (Redis lets both expire by themselves, and drops the names they leave).
   */
  prune(before: number, heldBefore: number): Promise<void>;
  /** Scrobbles still queued, everyone's. */
  waitingCount(): Promise<number>;
  /** The numbers metrics report: one read per person with a queue at most. */
  stats(): Promise<OutboxStats>;
}
