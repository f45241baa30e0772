import { randomUUID } from 'node:crypto';
import type { RedisClient } from '../shared-state/redis-state';
import { OutboxFullError } from '../errors';
import { promiseWithDeadline } from '../stores/deadline';
import { viewOf } from './memory-outbox';
import { ADD, ADOPT, CLAIM, FINISH, RENEW, RESUME, STATS } from './redis-outbox-scripts';
import { storedFrom, type EntryFields } from './redis-entry';
import { KEEP_SETTLED_MS, type Claim, type ClaimOutcome, type ClaimRequest, type NewScrobble, type OutboxStats, type OutboxStore, type OutboxView, type StoredScrobble } from './outbox-store';

/** Every key starts with this (see redis-outbox-scripts.ts for the layout). */
const PREFIX = 'lastfm-signin:outbox:';

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
    for (const item of items) args.push(item.id, String(item.timestamp), JSON.stringify({ ...item, user, queuedAt: now }));
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
    ];
    for (const id of [...claim.items.map((item) => item.id), ...(claim.unreadable ?? [])]) {
      const ending = settled.get(id);
      args.push(id, ending?.state ?? '', ending?.reason ?? '');
    }
    await this.eval(FINISH, args);
  }

  async resume(user: string, sealedKey: string, now: number): Promise<void> {
    await this.eval(RESUME, [PREFIX, user, sealedKey, String(now)]);
  }

  async view(user: string, recentLimit: number): Promise<OutboxView> {
    await this.adoptOnce();
    const ids = await promiseWithDeadline(this.client.zRange(`${PREFIX}mine:${user}`, 0, -1));
    const items = await this.get(ids);
    const found = new Set(items.map((item) => item.id));
    const expired = ids.filter((id) => !found.has(id));
    if (expired.length > 0) await promiseWithDeadline(this.client.zRem(`${PREFIX}mine:${user}`, expired));
    const held = (await promiseWithDeadline(this.client.hGet(`${PREFIX}person:${user}`, 'held'))) === '1';
    return viewOf(items, held, recentLimit);
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

  /** Settled scrobbles expire by themselves (see FINISH). */
  prune(): Promise<void> {
    return Promise.resolve();
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
    let moved = 0;
    for (const user of await promiseWithDeadline(this.client.sMembers(`${PREFIX}people`))) {
      for (const id of await promiseWithDeadline(this.client.zRange(`${PREFIX}mine:${user}`, 0, -1))) {
        const raw = await promiseWithDeadline(this.client.get(`${PREFIX}item:${id}`));
        if (raw === null) continue;
        const fields = earlierFields(raw);
        if (fields === undefined) continue;
        const { data, state, reason, unanswered, tries, settledAt } = fields;
        moved += Number(await this.eval(ADOPT, [PREFIX, id, data, state, reason, unanswered, tries, settledAt]));
      }
    }
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
