import { randomUUID } from 'node:crypto';
import type { RedisClient } from '../shared-state/redis-state';
import { OutboxFullError } from '../errors';
import { promiseWithDeadline } from '../stores/deadline';
import { ADD, ADOPT, CLAIM, DISCARD, FINISH, FORGET_EXPIRED, RENEW, RESUME, STATS } from './redis-outbox-scripts';
import { storedFrom, type EntryFields } from './redis-entry';
import { KEEP_HELD_MS, KEEP_SETTLED_MS, type BatchProgress, type Claim, type ClaimOutcome, type ClaimRequest, type NewScrobble, type OutboxPage, type OutboxStats, type OutboxStore, type OutboxView, type StoredScrobble } from './outbox-store';

/** Every key starts with this (see redis-outbox-scripts.ts for the layout). */
const PREFIX = 'lastfm-signin:outbox:';

/** P layout holds this once the earlier layout has been moved over (see adoptEarlierLayout). */
const ENTRY_LAYOUT = 'entry';

/** Sends in progress read for one page (each one small hash). */
const MOST_SENDS_SHOWN = 100;

/** Fields CLAIM returns for each scrobble: id, then the entry's fields in EntryFields' order. */
const CLAIM_FIELDS = 6;

/** The outbox in the sessions' Redis, shared by every instance on it. */
export class RedisOutbox implements OutboxStore {
  readonly kind = 'redis';
  /** Set once the earlier layout has been moved over (see adoptEarlierLayout). */
  private adopted: Promise<number> | undefined;

  constructor(private readonly client: RedisClient) {}

  get closed(): boolean {
    return !this.client.isOpen;
  }

  async add(user: string, sealedKey: string, items: readonly NewScrobble[], now: number, maxWaiting: number): Promise<void> {
    const args = [PREFIX, user, sealedKey, String(now), String(maxWaiting)];
    for (const item of items) args.push(item.id, String(item.timestamp), item.batch, JSON.stringify({ ...item, user, queuedAt: now }));
    const [queued, waiting] = (await this.eval(ADD, args)) as [number, number?];
    if (queued !== 1) throw new OutboxFullError(waiting ?? 0, maxWaiting);
  }

  async claim(request: ClaimRequest): Promise<Claim | undefined> {
    await this.adoptOnce();
    const token = randomUUID();
    const reply = (await this.eval(CLAIM, [PREFIX, String(request.now), String(request.leaseMs), token, String(request.max), request.user ?? ''])) as string[] | null;
    if (reply === null) return undefined;
    const [user = '', sealedKey = '', failures = '0', ...rest] = reply;
    const items: StoredScrobble[] = [];
    const unreadable: string[] = [];
    for (let i = 0; i + CLAIM_FIELDS <= rest.length; i += CLAIM_FIELDS) {
      const [id = '', data = '', state = '', reason = '', unanswered = '', tries = ''] = rest.slice(i, i + CLAIM_FIELDS);
      const item = storedFrom(id, { data, state, reason, unanswered, tries, settledAt: '' });
      if (item === undefined || item.user !== user) unreadable.push(id);
      else items.push(item);
    }
    return { user, token, sealedKey, failures: Number(failures), items, unreadable };
  }

  async renew(claim: Claim, leaseMs: number, now: number, sending: boolean): Promise<boolean> {
    const ids = sending ? claim.items.map((item) => item.id).join(' ') : '';
    return Number(await this.eval(RENEW, [PREFIX, claim.user, claim.token, String(leaseMs), ids])) === 1;
  }

  async finish(claim: Claim, outcome: ClaimOutcome, now: number): Promise<void> {
    const settled = new Map(outcome.settled.map((entry) => [entry.id, entry]));
    const args = [
      PREFIX,
      claim.user,
      claim.token,
      String(now),
      String(KEEP_SETTLED_MS),
      String(outcome.failures),
      outcome.hold === true ? '1' : '0',
      // A wait, not a time: Redis adds it to its own clock.
      outcome.retryAt === undefined ? '' : String(Math.max(0, outcome.retryAt - now)),
      outcome.sent ? '1' : '0',
      outcome.unanswered ? '1' : '0',
      outcome.reason === undefined ? '0' : '1',
      outcome.reason ?? '',
      String(KEEP_HELD_MS),
    ];
    for (const id of [...claim.items.map((item) => item.id), ...(claim.unreadable ?? [])]) {
      const ending = settled.get(id);
      args.push(id, ending?.state ?? '', ending?.reason ?? '');
    }
    await this.eval(FINISH, args);
  }

  async discard(user: string): Promise<number> {
    return Number(await this.eval(DISCARD, [PREFIX, user]));
  }

  async resume(user: string, sealKey: () => string, now: number): Promise<void> {
    // Sealed whatever the store holds: the script decides, in one round trip.
    await this.eval(RESUME, [PREFIX, user, sealKey(), String(now)]);
  }

  async view(user: string, page: OutboxPage, now: number): Promise<OutboxView> {
    await this.adoptOnce();
    const done = `${PREFIX}done:${user}`;
    const queue = `${PREFIX}queue:${user}`;
    const last = page.offset + page.limit - 1;
    // Sent together in one tick, node-redis pipelines these into one round trip.
    const [, waiting, settled, held, queued, sends, front] = await promiseWithDeadline(
      Promise.all([
        this.client.zRemRangeByScore(done, '-inf', `(${String(now - KEEP_SETTLED_MS)}`),
        this.client.zCard(queue),
        this.client.zCard(done),
        this.client.hGet(`${PREFIX}person:${user}`, 'held'),
        this.client.zRange(queue, page.offset, last, { REV: true }),
        this.client.zRange(`${PREFIX}sends:${user}`, 0, MOST_SENDS_SHOWN - 1),
        this.client.zRange(queue, 0, 0),
      ]),
    );
    const more = page.limit - queued.length;
    const answered = more > 0 ? await promiseWithDeadline(this.client.zRange(done, Math.max(0, page.offset - waiting), Math.max(0, page.offset - waiting) + more - 1, { REV: true })) : [];
    const [items, batches, waitingReason] = await Promise.all([
      this.get([...queued, ...answered]),
      this.progress(user, sends),
      front[0] === undefined ? undefined : promiseWithDeadline(this.client.hGet(`${PREFIX}entry:${front[0]}`, 'reason')),
    ]);
    return { waiting, settled, held: held === '1', offset: page.offset, recent: items, batches, waitingReason: waitingReason === '' || waitingReason === null ? undefined : waitingReason };
  }

    async get(ids: readonly string[]): Promise<StoredScrobble[]> {
    if (ids.length === 0) return [];
    // Sent together in one tick, node-redis pipelines these into one round trip.
    const rows = await promiseWithDeadline(Promise.all(ids.map((id) => this.client.hmGet(`${PREFIX}entry:${id}`, ['data', 'state', 'reason', 'unanswered', 'tries', 'settledAt']))));
    return rows.flatMap((row, i) => {
      const [data, state, reason, unanswered, tries, settledAt] = row;
      const item = storedFrom(ids[i] ?? '', { data: data ?? '', state: state ?? '', reason: reason ?? '', unanswered: unanswered ?? '', tries: tries ?? '', settledAt: settledAt ?? '' });
      return item === undefined ? [] : [item];
    });
  }

  private async progress(user: string, sends: readonly string[]): Promise<BatchProgress[]> {
    const rows = await promiseWithDeadline(Promise.all(sends.map((send) => this.client.hmGet(`${PREFIX}send:${user}:${send}`, ['total', 'done', 'accepted', 'ignored', 'failed', 'queuedAt']))));
    return rows.flatMap((row, i) => {
      const [total, done, accepted, ignored, failed, queuedAt] = row.map((field) => Number(field ?? 0));
      if (total === undefined || total === 0 || (done ?? 0) >= total) return [];
      return [{ batch: sends[i] ?? '', total, done: done ?? 0, accepted: accepted ?? 0, ignored: ignored ?? 0, failed: failed ?? 0, queuedAt: queuedAt ?? 0 }];
    });
  }

  /** Settled scrobbles, and what a person held too long leaves, expire by themselves (see FINISH); the names they leave go here. */
  async prune(): Promise<void> {
    await this.eval(FORGET_EXPIRED, [PREFIX]);
  }

  async waitingCount(): Promise<number> {
    const people = await promiseWithDeadline(this.client.sMembers(`${PREFIX}people`));
    let n = 0;
    for (const user of people) n += await promiseWithDeadline(this.client.zCard(`${PREFIX}queue:${user}`));
    return n;
  }

  async stats(): Promise<OutboxStats> {
    const [queued, held, oldest] = (await this.eval(STATS, [PREFIX])) as [number, number, string];
    return { queued, held, oldestQueuedAt: oldest === '' ? undefined : Number(oldest) };
  }

  /**
   * Moves what an earlier version kept (each scrobble one JSON string, which its scripts decoded)
   * into today's layout, so scrobbles acknowledged before an upgrade are still sent. Safe to run on
   * every instance at once: each scrobble is moved by one script, once. Returns how many moved.
   */
  async adoptEarlierLayout(): Promise<number> {
    // Once done on this Redis, a starting instance does not read every queued id again.
    if ((await promiseWithDeadline(this.client.get(`${PREFIX}layout`))) === ENTRY_LAYOUT) return 0;
    let moved = 0;
    for (const user of await promiseWithDeadline(this.client.sMembers(`${PREFIX}people`))) {
      for (const id of await promiseWithDeadline(this.client.zRange(`${PREFIX}mine:${user}`, 0, -1))) {
        const raw = await promiseWithDeadline(this.client.get(`${PREFIX}item:${id}`));
        if (raw === null) continue;
        const fields = earlierFields(raw);
        if (fields === undefined) continue;
        const { data, state, reason, unanswered, tries, settledAt } = fields;
        moved += Number(await this.eval(ADOPT, [PREFIX, id, data, state, reason, unanswered, tries, settledAt, user]));
      }
    }
    await promiseWithDeadline(this.client.set(`${PREFIX}layout`, ENTRY_LAYOUT));
    return moved;
  }

  /** The first claim or view of this process moves the earlier layout; a failed try is tried again. */
  private adoptOnce(): Promise<number> {
    this.adopted ??= this.adoptEarlierLayout().catch((error: unknown) => {
      this.adopted = undefined;
      throw error;
    });
    return this.adopted;
  }

  private eval(script: string, args: string[]): Promise<unknown> {
    return promiseWithDeadline(this.client.eval(script, { keys: [], arguments: args }));
  }
}

/** An earlier version's scrobble JSON split into today's entry fields; undefined when it cannot be read. */
function earlierFields(raw: string): EntryFields | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { state, reason, unanswered, tries, settledAt, ...data } = parsed as Record<string, unknown>;
  return {
    data: JSON.stringify(data),
    state: typeof state === 'string' ? state : 'queued',
    reason: typeof reason === 'string' ? reason : '',
    unanswered: String(typeof unanswered === 'number' ? unanswered : 0),
    tries: String(typeof tries === 'number' ? tries : 0),
    settledAt: typeof settledAt === 'number' ? String(settledAt) : '',
  };
}
