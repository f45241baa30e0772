import { randomUUID } from 'node:crypto';
import { OutboxFullError } from '../errors';
import type { BatchProgress, Claim, ClaimOutcome, ClaimRequest, NewScrobble, OutboxStats, OutboxStore, OutboxView, StoredScrobble } from './outbox-store';

export interface OutboxPerson {
  sealedKey: string;
  held: boolean;
  /** When the queue may next be claimed: a lease's end or a backoff's. */
  dueAt: number;
  lease: string | undefined;
  failures: number;
  /** The ids of the call under way, so a lost claimer's items are known to be sent without an answer. */
  sending: string[];
}

/**
 * The outbox in this process's memory (SESSION_STORE=memory): the same rules as the SQLite and
 * Redis ones, lost with the process, as the sessions are.
 */
export class MemoryOutbox implements OutboxStore {
  readonly kind = 'memory';
  readonly closed = false;
  private readonly people = new Map<string, OutboxPerson>();
  private readonly items = new Map<string, StoredScrobble>();
  /** Each person's queued scrobbles, so a claim never walks everyone's. */
  private readonly queues = new Map<string, Map<string, StoredScrobble>>();

  add(user: string, sealedKey: string, items: readonly NewScrobble[], now: number, maxWaiting: number): Promise<void> {
    const waiting = this.queues.get(user)?.size ?? 0;
    if (waiting + items.length > maxWaiting) return Promise.reject(new OutboxFullError(waiting, maxWaiting));
    const person = this.people.get(user);
    if (person === undefined) this.people.set(user, { sealedKey, held: false, dueAt: now, lease: undefined, failures: 0, sending: [] });
    else person.sealedKey = sealedKey;
    const queue = this.queues.get(user) ?? new Map<string, StoredScrobble>();
    this.queues.set(user, queue);
    for (const item of items) {
      const stored: StoredScrobble = { ...item, user, state: 'queued', unanswered: 0, tries: 0, queuedAt: now };
      this.items.set(item.id, stored);
      queue.set(item.id, stored);
    }
    return Promise.resolve();
  }

  claim(request: ClaimRequest): Promise<Claim | undefined> {
    const candidates = request.user === undefined ? [...this.people.entries()] : [[request.user, this.people.get(request.user)] as const];
    let chosen: [string, OutboxPerson] | undefined;
    for (const [user, person] of candidates) {
      if (person === undefined || !claimable(person, request)) continue;
      if (chosen !== undefined && chosen[1].dueAt <= person.dueAt) continue;
      if ((this.queues.get(user)?.size ?? 0) === 0) continue;
      chosen = [user, person];
    }
    if (chosen === undefined) return Promise.resolve(undefined);
    const [user, person] = chosen;
    for (const id of person.sending) {
      const item = this.items.get(id);
      if (item?.state === 'queued') item.unanswered += 1;
    }
    person.sending = [];
    person.lease = randomUUID();
    person.dueAt = request.now + request.leaseMs;
    const items = this.queued(user).slice(0, request.max);
    return Promise.resolve({ user, token: person.lease, sealedKey: person.sealedKey, failures: person.failures, items: items.map((item) => ({ ...item })) });
  }

  renew(claim: Claim, leaseMs: number, now: number, sending: boolean): Promise<boolean> {
    const person = this.people.get(claim.user);
    if (person?.lease !== claim.token) return Promise.resolve(false);
    person.dueAt = now + leaseMs;
    if (sending) person.sending = claim.items.map((item) => item.id);
    return Promise.resolve(true);
  }

  finish(claim: Claim, outcome: ClaimOutcome, now: number): Promise<void> {
    const settled = new Map(outcome.settled.map((entry) => [entry.id, entry]));
    for (const claimed of claim.items) {
      const item = this.items.get(claimed.id);
      if (item?.state !== 'queued') continue;
      if (outcome.sent) item.tries += 1;
      const end = settled.get(item.id);
      if (end !== undefined) {
        Object.assign(item, { state: end.state, reason: end.reason, settledAt: now });
        this.queues.get(item.user)?.delete(item.id);
      } else {
        if (outcome.unanswered) item.unanswered += 1;
        if (outcome.reason !== undefined) item.reason = outcome.reason;
      }
    }
    const person = this.people.get(claim.user);
    // A lease lost meanwhile belongs to another delivery now: the answers above still hold, the person is theirs.
    if (person?.lease !== claim.token) return Promise.resolve();
    Object.assign(person, { lease: undefined, sending: [], failures: outcome.failures, dueAt: outcome.retryAt ?? now, held: outcome.hold === true });
    return Promise.resolve();
  }

  resume(user: string, sealedKey: string, now: number): Promise<void> {
    const person = this.people.get(user);
    if (person === undefined) return Promise.resolve();
    Object.assign(person, { sealedKey, held: false, failures: 0, dueAt: Math.min(person.dueAt, now) });
    return Promise.resolve();
  }

  view(user: string, recentLimit: number): Promise<OutboxView> {
    const mine = [...this.items.values()].filter((item) => item.user === user);
    return Promise.resolve(viewOf(mine, this.people.get(user)?.held === true, recentLimit));
  }

  get(ids: readonly string[]): Promise<StoredScrobble[]> {
    return Promise.resolve(ids.flatMap((id) => (this.items.has(id) ? [{ ...(this.items.get(id) as StoredScrobble) }] : [])));
  }

  prune(before: number): Promise<void> {
    for (const [id, item] of this.items) if (item.settledAt !== undefined && item.settledAt < before) this.items.delete(id);
    return Promise.resolve();
  }

  waitingCount(): Promise<number> {
    let n = 0;
    for (const queue of this.queues.values()) n += queue.size;
    return Promise.resolve(n);
  }

  stats(): Promise<OutboxStats> {
    const stats: OutboxStats = { queued: 0, held: 0, oldestQueuedAt: undefined };
    for (const [user, queue] of this.queues) {
      if (queue.size === 0) continue;
      if (this.people.get(user)?.held === true) {
        stats.held += queue.size;
        continue;
      }
      stats.queued += queue.size;
      const front = this.queued(user)[0];
      if (front !== undefined && (stats.oldestQueuedAt === undefined || front.queuedAt < stats.oldestQueuedAt)) stats.oldestQueuedAt = front.queuedAt;
    }
    return Promise.resolve(stats);
  }

  private queued(user: string): StoredScrobble[] {
    return [...(this.queues.get(user)?.values() ?? [])].sort(playedOrder);
  }
}

/** Not held, not leased, and due; a person's own request does not wait out their backoff. */
export function claimable(person: { held: boolean; lease: string | undefined; dueAt: number }, request: ClaimRequest): boolean {
  if (person.held) return false;
  if (person.dueAt <= request.now) return true;
  return request.user !== undefined && person.lease === undefined;
}

/** Oldest played first; ties in the order queued. */
export function playedOrder(a: StoredScrobble, b: StoredScrobble): number {
  return a.timestamp - b.timestamp || a.queuedAt - b.queuedAt;
}

/** The person's view from all their stored scrobbles (memory and SQLite build it the same way). */
export function viewOf(mine: readonly StoredScrobble[], held: boolean, recentLimit: number): OutboxView {
  const queued = mine.filter((item) => item.state === 'queued').sort(playedOrder);
  const settled = mine.filter((item) => item.state !== 'queued').sort((a, b) => (b.settledAt ?? 0) - (a.settledAt ?? 0));
  const batches = new Map<string, BatchProgress>();
  for (const item of mine) {
    const batch = batches.get(item.batch) ?? { batch: item.batch, total: 0, done: 0, accepted: 0, ignored: 0, failed: 0, queuedAt: item.queuedAt };
    batch.total += 1;
    if (item.state !== 'queued') {
      batch.done += 1;
      batch[item.state] += 1;
    }
    batches.set(item.batch, batch);
  }
  return {
    waiting: queued.length,
    held,
    recent: [...queued, ...settled].slice(0, Math.max(recentLimit, 0)),
    batches: [...batches.values()].filter((batch) => batch.done < batch.total).sort((a, b) => a.queuedAt - b.queuedAt),
  };
}
