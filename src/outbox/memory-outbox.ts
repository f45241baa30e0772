import { randomUUID } from 'node:crypto';
import { OutboxFullError } from '../errors';
import { KEEP_SETTLED_MS, type BatchProgress, type Claim, type ClaimOutcome, type ClaimRequest, type NewScrobble, type OutboxPage, type OutboxStats, type OutboxStore, type OutboxView, type StoredScrobble } from './outbox-store';

export interface OutboxPerson {
  sealedKey: string;
  held: boolean;
  /** When the queue may next be claimed: a lease's end or a backoff's. */
  dueAt: number;
  lease: string | undefined;
  failures: number;
  /** The ids of the call under way, so a lost claimer's items are known to be sent without an answer. */
  sending: string[];
  /** When the hold began (see KEEP_HELD_MS). */
  heldSince?: number | undefined;
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
  /** Each person's queued scrobbles, oldest played first, kept in order so a page is read without sorting them all. */
  private readonly ordered = new Map<string, StoredScrobble[]>();
  /** Each person's answered scrobbles, in the order answered. */
  private readonly answered = new Map<string, StoredScrobble[]>();
  /** Each person's sends and their progress, counted as scrobbles come and go. */
  private readonly sends = new Map<string, Map<string, BatchProgress>>();

  add(user: string, sealedKey: string, items: readonly NewScrobble[], now: number, maxWaiting: number): Promise<void> {
    const waiting = this.queues.get(user)?.size ?? 0;
    if (waiting + items.length > maxWaiting) return Promise.reject(new OutboxFullError(waiting, maxWaiting));
    const person = this.people.get(user);
    if (person === undefined) this.people.set(user, { sealedKey, held: false, dueAt: now, lease: undefined, failures: 0, sending: [] });
    else person.sealedKey = sealedKey;
    const queue = this.queues.get(user) ?? new Map<string, StoredScrobble>();
    this.queues.set(user, queue);
    const ordered = this.ordered.get(user) ?? [];
    this.ordered.set(user, ordered);
    const sends = this.sends.get(user) ?? new Map<string, BatchProgress>();
    this.sends.set(user, sends);
    for (const item of items) {
      const stored: StoredScrobble = { ...item, user, state: 'queued', unanswered: 0, tries: 0, queuedAt: now };
      this.items.set(item.id, stored);
      queue.set(item.id, stored);
      ordered.push(stored);
      const send = sends.get(item.batch) ?? { batch: item.batch, total: 0, done: 0, accepted: 0, ignored: 0, failed: 0, queuedAt: now };
      send.total += 1;
      sends.set(item.batch, send);
    }
    // Mostly in order already (a send is played in order, after what came before): cheap to sort.
    ordered.sort(playedOrder);
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
        this.answeredOf(item.user).push(item);
        const send = this.sends.get(item.user)?.get(item.batch);
        if (send !== undefined) {
          send.done += 1;
          send[end.state] += 1;
        }
      } else {
        if (outcome.unanswered) item.unanswered += 1;
        if (outcome.reason !== undefined) item.reason = outcome.reason;
      }
    }
    const ordered = this.ordered.get(claim.user);
    if (settled.size > 0 && ordered !== undefined) this.ordered.set(claim.user, ordered.filter((item) => item.state === 'queued'));
    const person = this.people.get(claim.user);
    // A lease lost meanwhile belongs to another delivery now: the answers above still hold, the person is theirs.
    if (person?.lease !== claim.token) return Promise.resolve();
    const heldSince = outcome.hold === true ? (person.heldSince ?? now) : undefined;
    Object.assign(person, { lease: undefined, sending: [], failures: outcome.failures, dueAt: outcome.retryAt ?? now, held: outcome.hold === true, heldSince });
    if ((this.queues.get(claim.user)?.size ?? 0) === 0) this.forget(claim.user);
    return Promise.resolve();
  }

  discard(user: string): Promise<number> {
    const queue = this.queues.get(user);
    const dropped = queue?.size ?? 0;
    for (const id of queue?.keys() ?? []) this.items.delete(id);
    this.forget(user);
    this.sends.delete(user);
    return Promise.resolve(dropped);
  }

  /** Nothing of theirs waits: their key, and where their queue was, go. */
  private forget(user: string): void {
    this.people.delete(user);
    this.queues.delete(user);
    this.ordered.delete(user);
  }

  resume(user: string, sealKey: () => string, now: number): Promise<void> {
    const person = this.people.get(user);
    if (person === undefined) return Promise.resolve();
    Object.assign(person, { sealedKey: sealKey(), held: false, heldSince: undefined, failures: 0, dueAt: Math.min(person.dueAt, now) });
    return Promise.resolve();
  }

  view(user: string, page: OutboxPage, now: number): Promise<OutboxView> {
    const queued = this.ordered.get(user) ?? [];
    const answered = this.answeredOf(user);
    this.forgetAnswered(answered, now - KEEP_SETTLED_MS);
    const recent: StoredScrobble[] = [];
    for (let at = page.offset; at < page.offset + page.limit; at += 1) {
      const item = at < queued.length ? queued[queued.length - 1 - at] : answered[answered.length - 1 - (at - queued.length)];
      if (item === undefined) break;
      recent.push({ ...item });
    }
    const batches = [...(this.sends.get(user)?.values() ?? [])].filter((send) => send.done < send.total).sort((a, b) => a.queuedAt - b.queuedAt);
    return Promise.resolve({ waiting: queued.length, settled: answered.length, held: this.people.get(user)?.held === true, offset: page.offset, recent, batches: batches.map((send) => ({ ...send })), waitingReason: queued[0]?.reason });
  }

  get(ids: readonly string[]): Promise<StoredScrobble[]> {
    return Promise.resolve(ids.flatMap((id) => (this.items.has(id) ? [{ ...(this.items.get(id) as StoredScrobble) }] : [])));
  }

  async prune(before: number, heldBefore: number): Promise<void> {
    for (const [user, person] of [...this.people]) if (person.held && (person.heldSince ?? Infinity) < heldBefore) await this.discard(user);
    for (const answered of this.answered.values()) this.forgetAnswered(answered, before);
    for (const sends of this.sends.values()) for (const [batch, send] of sends) if (send.done >= send.total) sends.delete(batch);
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
    return this.ordered.get(user) ?? [];
  }

  private answeredOf(user: string): StoredScrobble[] {
    const answered = this.answered.get(user) ?? [];
    this.answered.set(user, answered);
    return answered;
  }

  /** Answered scrobbles are in the order answered: those answered before `before` are at the front. */
  private forgetAnswered(answered: StoredScrobble[], before: number): void {
    let gone = 0;
    while (gone < answered.length && (answered[gone]?.settledAt ?? 0) < before) {
      this.items.delete(answered[gone]?.id ?? '');
      gone += 1;
    }
    if (gone > 0) answered.splice(0, gone);
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
