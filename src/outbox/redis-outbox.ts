import { randomUUID } from 'node:crypto';
import type { RedisClient } from '../shared-state/redis-state';
import { promiseWithDeadline } from '../stores/deadline';
import { viewOf } from './memory-outbox';
import { ADD, CLAIM, FINISH, RENEW, RESUME, STATS } from './redis-outbox-scripts';
import { KEEP_SETTLED_MS, type Claim, type ClaimOutcome, type ClaimRequest, type NewScrobble, type OutboxStats, type OutboxStore, type OutboxView, type StoredScrobble } from './outbox-store';

/** Every key starts with this (see redis-outbox-scripts.ts for the layout). */
const PREFIX = 'lastfm-signin:outbox:';

/** The outbox in the sessions' Redis, shared by every instance on it. */
export class RedisOutbox implements OutboxStore {
  readonly kind = 'redis';

  constructor(private readonly client: RedisClient) {}

  get closed(): boolean {
    return !this.client.isOpen;
  }

  async add(user: string, sealedKey: string, items: readonly NewScrobble[], now: number): Promise<void> {
    const args = [PREFIX, user, sealedKey, String(now)];
    for (const item of items) {
      const stored: StoredScrobble = { ...item, user, state: 'queued', unanswered: 0, tries: 0, queuedAt: now };
      args.push(item.id, String(item.timestamp), JSON.stringify(stored));
    }
    await this.eval(ADD, args);
  }

  async claim(request: ClaimRequest): Promise<Claim | undefined> {
    const token = randomUUID();
    const reply = (await this.eval(CLAIM, [PREFIX, String(request.now), String(request.leaseMs), token, String(request.max), request.user ?? ''])) as string[] | null;
    if (reply === null) return undefined;
    const [user = '', sealedKey = '', failures = '0', ...items] = reply;
    return { user, token, sealedKey, failures: Number(failures), items: items.map((raw) => JSON.parse(raw) as StoredScrobble) };
  }

  async renew(claim: Claim, leaseMs: number, now: number, sending: boolean): Promise<boolean> {
    const ids = sending ? JSON.stringify(claim.items.map((item) => item.id)) : '';
    return Number(await this.eval(RENEW, [PREFIX, claim.user, claim.token, String(now + leaseMs), ids])) === 1;
  }

  async finish(claim: Claim, outcome: ClaimOutcome, now: number): Promise<void> {
    const settled = Object.fromEntries(outcome.settled.map((entry) => [entry.id, { state: entry.state, reason: entry.reason }]));
    const payload = { ids: claim.items.map((item) => item.id), settled, sent: outcome.sent, unanswered: outcome.unanswered, reason: outcome.reason, retryAt: outcome.retryAt, hold: outcome.hold === true, failures: outcome.failures };
    await this.eval(FINISH, [PREFIX, claim.user, claim.token, String(now), String(KEEP_SETTLED_MS), JSON.stringify(payload)]);
  }

  async resume(user: string, sealedKey: string, now: number): Promise<void> {
    await this.eval(RESUME, [PREFIX, user, sealedKey, String(now)]);
  }

  async view(user: string, recentLimit: number): Promise<OutboxView> {
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
    const raws = await promiseWithDeadline(this.client.mGet(ids.map((id) => `${PREFIX}item:${id}`)));
    return raws.flatMap((raw) => (raw === null ? [] : [JSON.parse(raw) as StoredScrobble]));
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

  private eval(script: string, args: string[]): Promise<unknown> {
    return promiseWithDeadline(this.client.eval(script, { keys: [], arguments: args }));
  }
}
