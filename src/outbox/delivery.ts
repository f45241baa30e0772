import { MAX_SCROBBLES_PER_CALL, SCROBBLE_WINDOW_SECONDS, type CallPriority, type LastfmClient } from 'lastfm-sign-in';
import type { UserReadCache } from '../lastfm/read-cache';
import type { Logger } from '../logger';
import type { KeySealer } from '../stores/key-sealer';
import type { ChangeSignal } from './change-signal';
import { DAILY_WINDOW_MS, dailyRoom, type DailyScrobbleCount } from './daily-count';
import { HELD_REASON, TOO_OLD_REASON, UNREADABLE_REASON, answeredOutcome, dailyCapReason, failedOutcome, retryDelay, type Backoff } from './delivery-outcome';
import type { Claim, ClaimOutcome, OutboxStore, Settled } from './outbox-store';

export interface DeliveryOptions {
  store: OutboxStore;
  lastfm: LastfmClient;
  sealer: KeySealer;
  cache: UserReadCache;
  logger: Logger;
  now: () => number;
  /** How long a claim lasts without renewal: longer than a call can take. */
  leaseMs: number;
  backoff: Backoff;
  random: () => number;
  /** Told after each claimed delivery, so waiters look at the store again. */
  changes: ChangeSignal;
  /** Told how each recorded delivery ended (for metrics); must not throw. */
  onDelivery?: ((event: DeliveryEvent) => void) | undefined;
  /** Each person's deliveries stay under `limit` in any 24 hours (LASTFM_DAILY_SCROBBLES), counted in `count`. */
  daily: { limit: number; count: DailyScrobbleCount };
  /** True once the instance is stopping: nothing more is claimed, and a claim not yet sent is handed back. */
  stopping?: () => boolean;
}

/**
 * How one recorded delivery ended: `settled`, every scrobble it carried has its answer; `retry`,
 * sent but some wait for another try; `not-sent`, this app did not send it (no slot in time);
 * `held`, Last.fm refused the person's key. `counts`: the scrobbles that settled, by state.
 */
export interface DeliveryEvent {
  outcome: 'settled' | 'retry' | 'not-sent' | 'held';
  counts: Record<Settled['state'], number>;
}

/** A claim lost to another delivery (this one stalled past its lease): abandon it unsent. */
class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';
}

/** The instance began stopping while the call waited for a slot: hand the claim back unsent. */
class StoppingError extends Error {
  override readonly name = 'StoppingError';
}

/**
 * One delivery: claims one person's oldest waiting scrobbles (this person's, or the oldest due
 * anyone's), makes one call with them under the claim's lease, and records and logs the answer;
 * false when there was nothing to claim.
 */
export async function deliver(options: DeliveryOptions, request: { user?: string; priority: CallPriority }): Promise<boolean> {
  const { store, leaseMs, now } = options;
  if (options.stopping?.() === true) return false;
  const claim = await store.claim({ ...(request.user === undefined ? {} : { user: request.user }), max: MAX_SCROBBLES_PER_CALL, leaseMs, now: now() });
  if (claim === undefined) return false;
  const unreadable = claim.unreadable ?? [];
  if (unreadable.length > 0) options.logger.error({ outbox: { user: claim.user, ids: unreadable } }, `outbox: ${unreadable.length} stored scrobbles could not be read; set aside as failed`);
  // The call may wait for a slot longer than the lease: keep it while this process lives.
  const heartbeat = setInterval(() => void store.renew(claim, leaseMs, now(), false).catch(() => undefined), Math.max(50, Math.floor(leaseMs / 3))).unref();
  try {
    const { room, opensAt } = dailyRoom(await options.daily.count.since(claim.user, now() - DAILY_WINDOW_MS), options.daily.limit);
    if (room === 0 && opensAt !== undefined) {
      // The person's day is full: their scrobbles wait, saying until when, and no one else's do.
      await store.finish(claim, { settled: [], sent: false, unanswered: false, reason: dailyCapReason(options.daily.limit, opensAt), retryAt: opensAt, failures: claim.failures }, now());
      return true;
    }
    // What the day still has room for goes now; the rest stay queued, untouched, for the next claim.
    const going = room < claim.items.length ? { ...claim, items: claim.items.slice(0, room) } : claim;
    const outcome = await send(options, going, request.priority, request.user !== undefined);
    if (outcome === undefined) return true;
    await store.finish(going, outcome, now());
    // Each scrobble Last.fm answered for counts against the day, ignored ones too.
    const reached = outcome.sent ? outcome.settled.filter((item) => item.state === 'accepted' || item.state === 'ignored').map((item) => item.id) : [];
    if (reached.length > 0) await options.daily.count.record(claim.user, reached, now());
    if (outcome.settled.some((item) => item.state === 'accepted')) await options.cache.invalidate(claim.user);
    report(options, going, outcome);
  } finally {
    clearInterval(heartbeat);
    options.changes.notify();
  }
  return true;
}

/** The claim's outcome, or undefined when the lease was lost before anything was sent. */
async function send(options: DeliveryOptions, claim: Claim, priority: CallPriority, outOfTurn: boolean): Promise<ClaimOutcome | undefined> {
  const { store, leaseMs, now } = options;
  // Last.fm would ignore older ones: the outbox stops trying then.
  const oldest = Math.floor(now() / 1000) - SCROBBLE_WINDOW_SECONDS;
  const unreadable = (claim.unreadable ?? []).map((id): Settled => ({ id, state: 'failed', reason: UNREADABLE_REASON }));
  const tooOld = claim.items.filter((item) => item.timestamp < oldest).map((item): Settled => ({ id: item.id, state: 'failed', reason: TOO_OLD_REASON }));
  // Settled without a call: neither can go to Last.fm.
  const setAside = [...unreadable, ...tooOld];
  const sendable = claim.items.filter((item) => item.timestamp >= oldest);
  if (sendable.length === 0) return { settled: setAside, sent: false, unanswered: false, failures: claim.failures };
  const key = options.sealer.open(claim.sealedKey, keyContext(claim.user));
  // Sealed with a secret no longer configured: only a new sign-in gives a key again.
  if (key === undefined) return { settled: setAside, sent: false, unanswered: false, reason: HELD_REASON, hold: true, failures: 0 };
  try {
    const result = await options.lastfm.scrobbleCall(key, sendable, {
      priority,
      beforeSend: async () => {
        if (options.stopping?.() === true) throw new StoppingError('stopping');
        if (!(await store.renew(claim, leaseMs, now(), true))) throw new LeaseLostError('lease lost');
      },
    });
    return answeredOutcome(sendable, result, setAside);
  } catch (error) {
    if (error instanceof LeaseLostError) return undefined;
    // Unsent, and due again at once: another instance (or this one after its restart) sends it.
    if (error instanceof StoppingError) return { settled: setAside, sent: false, unanswered: false, failures: claim.failures };
    return failedOutcome(error, claim, setAside, (failures) => now() + retryDelay(failures, options.backoff, options.random), sendable, outOfTurn);
  }
}

function report({ logger, now, onDelivery }: DeliveryOptions, claim: Claim, outcome: ClaimOutcome): void {
  const counts = { accepted: 0, ignored: 0, failed: 0 };
  for (const item of outcome.settled) counts[item.state] += 1;
  const waiting = claim.items.length + (claim.unreadable?.length ?? 0) - outcome.settled.length;
  onDelivery?.({ outcome: outcome.hold === true ? 'held' : waiting === 0 ? 'settled' : outcome.sent ? 'retry' : 'not-sent', counts });
  // Names of people are fine in the log; the key never is.
  const fields = { outbox: { user: claim.user, ...counts, waiting, held: outcome.hold === true, retryInMs: outcome.retryAt === undefined ? undefined : outcome.retryAt - now() } };
  if (waiting > 0) logger.warn(fields, `outbox: ${waiting} scrobbles wait: ${outcome.reason ?? ''}`);
  else logger.info(fields, 'outbox: scrobbles delivered');
}

/** Binds a sealed key to its person: copied onto someone else's queue, it does not open. */
export function keyContext(user: string): string {
  return `outbox:${user.toLowerCase()}`;
}
