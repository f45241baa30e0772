import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import type { LastfmClient } from '../lastfm/client';
import type { UserReadCache } from '../lastfm/read-cache';
import type { ScrobbleItem } from '../lastfm/user-data';
import type { Logger } from '../logger';
import type { CallPriority } from '../shared-state/shared-state';
import type { KeySealer } from '../stores/key-sealer';
import { MAX_SCROBBLES_PER_CALL } from '../lastfm/call-params';
import { DEFAULT_BACKOFF, HELD_REASON, TOO_OLD_REASON, answeredOutcome, failedOutcome, retryDelay, type Backoff } from './delivery-outcome';
import type { Claim, ClaimOutcome, OutboxStore, OutboxView, Settled, StoredScrobble } from './outbox-store';
import { messageOf } from '../error-message';

/** Last.fm ignores scrobbles older than this; the outbox stops trying then. */
const MAX_AGE_SECONDS = 14 * 24 * 60 * 60;
/** Settled scrobbles stay on the home page this long. */
const KEEP_SETTLED_MS = 24 * 60 * 60 * 1000;
const PRUNE_EVERY_MS = 10 * 60 * 1000;

export interface ScrobbleOutboxOptions {
  store: OutboxStore;
  lastfm: LastfmClient;
  sealer: KeySealer;
  cache: UserReadCache;
  logger: Logger;
  now: () => number;
  /** How long a claim lasts without renewal: longer than a call can take. */
  leaseMs: number;
  /** How long a request waits for Last.fm's answer before it says "queued". */
  answerWaitMs?: number;
  /** Between looks at the store for work another instance made due, or for answers another instance got. */
  pollMs?: number;
  backoff?: Backoff;
  random?: () => number;
}

/** A claim lost to another delivery (this one stalled past its lease): abandon it unsent. */
class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';
}

/**
 * Every scrobble goes through here: `queue` writes it to the store; a delivery loop on each
 * instance sends the oldest due person's oldest scrobbles, up to 50 a call, through the shared call
 * budget at background priority, and records each answer. The request that queued them sends its
 * own first call at once, at write priority, and waits a short while for the answer.
 */
export class ScrobbleOutbox {
  private readonly store: OutboxStore;
  private readonly lastfm: LastfmClient;
  private readonly sealer: KeySealer;
  private readonly cache: UserReadCache;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly leaseMs: number;
  private readonly answerWaitMs: number;
  private readonly pollMs: number;
  private readonly backoff: Backoff;
  private readonly random: () => number;
  /** Fires whenever this instance changed the store, so waiters and the loop look again at once. */
  private readonly changes = new EventEmitter();
  private running = false;
  private loopDone: Promise<void> | undefined;
  private lastPrune = 0;

  constructor(options: ScrobbleOutboxOptions) {
    this.store = options.store;
    this.lastfm = options.lastfm;
    this.sealer = options.sealer;
    this.cache = options.cache;
    this.logger = options.logger;
    this.now = options.now;
    this.leaseMs = options.leaseMs;
    this.answerWaitMs = options.answerWaitMs ?? 2500;
    this.pollMs = options.pollMs ?? 250;
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.random = options.random ?? Math.random;
    this.changes.setMaxListeners(0);
  }

  get kind(): OutboxStore['kind'] {
    return this.store.kind;
  }

  /** Writes the scrobbles to the store with the person's key (sealed), and returns their ids. */
  async queue(user: { name: string; key: string }, items: readonly ScrobbleItem[]): Promise<string[]> {
    const batch = randomUUID();
    const queued = items.map((item) => ({ id: randomUUID(), batch, artist: item.artist, track: item.track, album: item.album, timestamp: item.timestamp }));
    await this.store.add(user.name, this.sealer.seal(user.key, keyContext(user.name)), queued, this.now());
    this.changed();
    return queued.map((item) => item.id);
  }

  /**
   * Sends the person's first call now and waits up to the short wait for the answer, or for the
   * first attempt to end without one; returns the scrobbles as they stand then.
   */
  async answer(user: string, ids: readonly string[]): Promise<StoredScrobble[]> {
    // A real wait with real timers, whatever clock the store's times come from.
    const deadline = performance.now() + this.answerWaitMs;
    let trying: Promise<unknown> | undefined;
    for (;;) {
      // Another delivery may hold the person's queue with an older claim: try again once it lets go.
      trying ??= this.deliver({ user, priority: 'write' })
        .catch((error: unknown) => this.logFailure(error))
        .finally(() => (trying = undefined));
      const items = await this.store.get(ids);
      const decided = items.every((item) => item.state !== 'queued') || items.some((item) => item.state === 'queued' && (item.tries > 0 || item.reason !== undefined));
      const left = deadline - performance.now();
      if (decided || left <= 0) return items;
      await this.nextChange(Math.min(left, this.pollMs));
    }
  }

  /** The person signed in again: keep their new key, and send what was held. */
  async resume(user: { name: string; key: string }): Promise<void> {
    await this.store.resume(user.name, this.sealer.seal(user.key, keyContext(user.name)), this.now());
    this.changed();
  }

  view(user: string, recentLimit = 20): Promise<OutboxView> {
    return this.store.view(user, recentLimit);
  }

  /** Starts this instance's delivery loop. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loopDone = this.loop();
  }

  /** Stops the loop after the call under way (whose answer is still recorded). */
  async stop(): Promise<void> {
    this.running = false;
    this.changed();
    await this.loopDone;
  }

  private async loop(): Promise<void> {
    let failing = false;
    while (this.running && !this.store.closed) {
      let worked = false;
      try {
        await this.pruneNow();
        worked = await this.deliver({ priority: 'background' });
        failing = false;
      } catch (error) {
        // Once per outage of the store, not on every look at it.
        if (!failing) this.logFailure(error);
        failing = true;
      }
      if (!worked) await this.nextChange(failing ? Math.max(this.pollMs, 1000) : this.pollMs);
    }
  }

  /**
   * Claims one person's oldest waiting scrobbles (this person's, or the oldest due anyone's) and
   * makes one call with them; false when there was nothing to claim.
   */
  private async deliver(request: { user?: string; priority: CallPriority }): Promise<boolean> {
    const claim = await this.store.claim({ ...(request.user === undefined ? {} : { user: request.user }), max: MAX_SCROBBLES_PER_CALL, leaseMs: this.leaseMs, now: this.now() });
    if (claim === undefined) return false;
    // The call may wait for a slot longer than the lease: keep it while this process lives.
    const heartbeat = setInterval(() => void this.store.renew(claim, this.leaseMs, this.now(), false).catch(() => undefined), Math.max(50, Math.floor(this.leaseMs / 3))).unref();
    try {
      const outcome = await this.send(claim, request.priority, request.user !== undefined);
      if (outcome === undefined) return true;
      await this.store.finish(claim, outcome, this.now());
      if (outcome.settled.some((item) => item.state === 'accepted')) await this.cache.invalidate(claim.user);
      this.report(claim, outcome);
    } finally {
      clearInterval(heartbeat);
      this.changed();
    }
    return true;
  }

  /** The claim's outcome, or undefined when the lease was lost before anything was sent. */
  private async send(claim: Claim, priority: CallPriority, outOfTurn: boolean): Promise<ClaimOutcome | undefined> {
    const oldest = Math.floor(this.now() / 1000) - MAX_AGE_SECONDS;
    const tooOld: Settled[] = claim.items.filter((item) => item.timestamp < oldest).map((item) => ({ id: item.id, state: 'failed', reason: TOO_OLD_REASON }));
    const sendable = claim.items.filter((item) => item.timestamp >= oldest);
    if (sendable.length === 0) return { settled: tooOld, sent: false, unanswered: false, failures: claim.failures };
    const key = this.sealer.open(claim.sealedKey, keyContext(claim.user));
    // Sealed with a secret no longer configured: only a new sign-in gives a key again.
    if (key === undefined) return { settled: tooOld, sent: false, unanswered: false, reason: HELD_REASON, hold: true, failures: 0 };
    try {
      const result = await this.lastfm.scrobbleCall(key, sendable, {
        priority,
        beforeSend: async () => {
          if (!(await this.store.renew(claim, this.leaseMs, this.now(), true))) throw new LeaseLostError('lease lost');
        },
      });
      return answeredOutcome(sendable, result, tooOld);
    } catch (error) {
      if (error instanceof LeaseLostError) return undefined;
      return failedOutcome(error, claim, tooOld, (failures) => this.now() + retryDelay(failures, this.backoff, this.random), sendable, outOfTurn);
    }
  }

  private report(claim: Claim, outcome: ClaimOutcome): void {
    const counts = { accepted: 0, ignored: 0, failed: 0 };
    for (const item of outcome.settled) counts[item.state] += 1;
    const waiting = claim.items.length - outcome.settled.length;
    // Names of people are fine in the log; the key never is.
    const fields = { outbox: { user: claim.user, ...counts, waiting, held: outcome.hold === true, retryInMs: outcome.retryAt === undefined ? undefined : outcome.retryAt - this.now() } };
    if (waiting > 0) this.logger.warn(fields, `outbox: ${waiting} scrobbles wait: ${outcome.reason ?? ''}`);
    else this.logger.info(fields, 'outbox: scrobbles delivered');
  }

  private async pruneNow(): Promise<void> {
    const at = this.now();
    if (at - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = at;
    await this.store.prune(at - KEEP_SETTLED_MS);
  }

  private logFailure(error: unknown): void {
    this.logger.error({ err: messageOf(error) }, 'outbox: delivery failed');
  }

  private changed(): void {
    this.changes.emit('change');
  }

  /** Resolves on this instance's next change to the outbox, or after `ms` (other instances change it unseen). */
  private nextChange(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.changes.off('change', done);
        resolve();
      };
      // The loop never keeps a process alive on its own: the server (or a test) decides that.
      const timer = setTimeout(done, ms).unref();
      this.changes.once('change', done);
    });
  }
}

/** Binds a sealed key to its person: copied onto someone else's queue, it does not open. */
export function keyContext(user: string): string {
  return `outbox:${user.toLowerCase()}`;
}
