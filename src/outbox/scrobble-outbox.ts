import { randomUUID } from 'node:crypto';
import type { ScrobbleItem } from 'lastfm-sign-in';
import { messageOf } from '../error-message';
import type { Logger } from '../logger';
import type { KeySealer } from '../stores/key-sealer';
import { ChangeSignal } from './change-signal';
import { DAILY_WINDOW_MS, dailyRoom } from './daily-count';
import { DEFAULT_BACKOFF, type Backoff } from './delivery-outcome';
import { deliver, keyContext, type DeliveryOptions } from './delivery';
import { KEEP_HELD_MS, KEEP_SETTLED_MS, type OutboxPage, type OutboxStats, type OutboxStore, type OutboxView, type StoredScrobble } from './outbox-store';

const PRUNE_EVERY_MS = 10 * 60 * 1000;
/**
 * One delivery at a time sends at most one call per answer: with 300 ms answers, 3 a second of
 * Last.fm's 5. Five under way keep the rate full for answers up to a second; the budget, not this,
 * decides how many go.
 */
const DEFAULT_DELIVERIES_AT_ONCE = 5;
/**
 * With nothing due, one loop looks at the store every pollMs; the others wake on this instance's
 * changes (each delivery's end among them), so an idle instance does not look five times as often.
 */
const EXTRA_LOOP_IDLE_FACTOR = 10;

export interface ScrobbleOutboxOptions extends Omit<DeliveryOptions, 'backoff' | 'random' | 'changes'> {
  /** How long a request waits for Last.fm's answer before it says "queued". */
  answerWaitMs?: number;
  /** Most scrobbles one person may have waiting (OUTBOX_MAX_PER_PERSON). */
  maxWaitingPerPerson: number;
  /** Between looks at the store for work another instance made due, or for answers another instance got. */
  pollMs?: number;
  /** Deliveries this instance's loop keeps under way at once, each for a different person (default 5). */
  deliveriesAtOnce?: number;
  backoff?: Backoff;
  random?: () => number;
}

/**
 * Every scrobble goes through here: `queue` writes it to the store; a delivery loop on each
 * instance sends the oldest due person's oldest scrobbles, up to 50 a call, through the shared call
 * budget at background priority, and records each answer. The request that queued them sends its
 * own first call at once, at write priority, and waits a short while for the answer.
 */
export class ScrobbleOutbox {
  private readonly store: OutboxStore;
  private readonly sealer: KeySealer;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly answerWaitMs: number;
  private readonly pollMs: number;
  private readonly maxWaitingPerPerson: number;
  private readonly deliveriesAtOnce: number;
  /** What a delivery needs; the same for the request's own call and for the loop's. */
  private readonly delivery: DeliveryOptions;
  /** Fires whenever this instance changed the store, so waiters and the loop look again at once. */
  private readonly changes = new ChangeSignal();
  private running = false;
  private stopping = false;
  private loopDone: Promise<void> | undefined;
  /** Every delivery under way, the loop's and the requests' own, so stop() can wait for their answers. */
  private readonly underWay = new Set<Promise<unknown>>();
  private lastPrune = 0;
  /** The store failed on its last look: logged once per outage, whichever delivery found it. */
  private failing = false;

  constructor(options: ScrobbleOutboxOptions) {
    const { answerWaitMs = 2500, pollMs = 250, backoff = DEFAULT_BACKOFF, random = Math.random, maxWaitingPerPerson, deliveriesAtOnce = DEFAULT_DELIVERIES_AT_ONCE, ...delivery } = options;
    this.deliveriesAtOnce = deliveriesAtOnce;
    this.maxWaitingPerPerson = maxWaitingPerPerson;
    this.store = options.store;
    this.sealer = options.sealer;
    this.logger = options.logger;
    this.now = options.now;
    this.answerWaitMs = answerWaitMs;
    this.pollMs = pollMs;
    this.delivery = { ...delivery, backoff, random, changes: this.changes, stopping: () => this.stopping };
  }

  get kind(): OutboxStore['kind'] {
    return this.store.kind;
  }

  /** The person's place under the daily limit: what went in the last 24 hours, and when more may go if nothing may now. */
  async dailyState(user: string): Promise<{ limit: number; sentInLast24h: number; waitUntil: number | undefined }> {
    const { limit, count } = this.delivery.daily;
    const sent = await count.since(user, this.now() - DAILY_WINDOW_MS);
    return { limit, sentInLast24h: sent.count, waitUntil: dailyRoom(sent, limit).opensAt };
  }

  /** Writes the scrobbles to the store with the person's key (sealed), as one send (`batch`), and returns their ids; all or none (OutboxFullError). */
  async queue(user: { name: string; key: string }, items: readonly ScrobbleItem[], batch: string = randomUUID()): Promise<string[]> {
    const queued = items.map((item) => ({ id: randomUUID(), batch, artist: item.artist, track: item.track, album: item.album, timestamp: item.timestamp }));
    await this.store.add(user.name, this.sealer.seal(user.key, keyContext(user.name)), queued, this.now(), this.maxWaitingPerPerson);
    this.changes.notify();
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
      trying ??= this.tracked(deliver(this.delivery, { user, priority: 'write' }))
        .catch((error: unknown) => this.logFailure(error))
        .finally(() => (trying = undefined));
      const items = await this.store.get(ids);
      const decided = items.every((item) => item.state !== 'queued') || items.some((item) => item.state === 'queued' && (item.tries > 0 || item.reason !== undefined));
      const left = deadline - performance.now();
      if (decided || left <= 0) return items;
      await this.changes.next(Math.min(left, this.pollMs));
    }
  }

  /** The person signed in again: keep their new key, and send what was held. */
  async resume(user: { name: string; key: string }): Promise<void> {
    await this.store.resume(user.name, () => this.sealer.seal(user.key, keyContext(user.name)), this.now());
    this.changes.notify();
  }

  /** The person chose to drop what waits, and their key, now (signing out everywhere). */
  async discard(user: string): Promise<number> {
    const dropped = await this.store.discard(user);
    this.changes.notify();
    return dropped;
  }

  /** Everyone's outbox in a few numbers, from the shared store: the same on every instance. */
  stats(): Promise<OutboxStats> {
    return this.store.stats();
  }

  /** One page of the person's list, newest first, with their counts. */
  view(user: string, page: OutboxPage): Promise<OutboxView> {
    return this.store.view(user, page, this.now());
  }

  /** Starts this instance's delivery loop: `deliveriesAtOnce` of them, each claiming whoever is due next. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loopDone = Promise.all(Array.from({ length: this.deliveriesAtOnce }, (_, worker) => this.loop(worker === 0 ? this.pollMs : this.pollMs * EXTRA_LOOP_IDLE_FACTOR))).then(() => undefined);
  }

  /**
   * Stops delivering: nothing more is claimed, a claim still waiting for a slot goes back unsent,
   * and every call already sent (the loop's and any request's) has its answer recorded and its
   * lease handed back before this resolves.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    this.running = false;
    this.changes.notify();
    await this.loopDone;
    await Promise.allSettled([...this.underWay]);
  }

  private tracked<T>(delivery: Promise<T>): Promise<T> {
    this.underWay.add(delivery);
    const forget = () => this.underWay.delete(delivery);
    delivery.then(forget, forget);
    return delivery;
  }

  /** `idleMs`: how long to wait for a change when nothing was due. */
  private async loop(idleMs: number): Promise<void> {
    while (this.running && !this.store.closed) {
      let worked = false;
      let failed = false;
      try {
        await this.pruneNow();
        worked = await this.tracked(deliver(this.delivery, { priority: 'background' }));
        this.failing = false;
      } catch (error) {
        // Once per outage of the store, not on every look at it.
        if (!this.failing) this.logFailure(error);
        this.failing = true;
        failed = true;
      }
      if (!worked) await this.changes.next(failed ? Math.max(idleMs, 1000) : idleMs);
    }
  }

  private async pruneNow(): Promise<void> {
    const at = this.now();
    if (at - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = at;
    await this.store.prune(at - KEEP_SETTLED_MS, at - KEEP_HELD_MS);
  }

  private logFailure(error: unknown): void {
    this.logger.error({ err: messageOf(error) }, 'outbox: delivery failed');
  }
}
