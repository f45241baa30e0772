import { randomUUID } from 'node:crypto';
import type { RedisClient } from '../shared-state/redis-state';
import { promiseWithDeadline } from '../stores/deadline';
import { viewOf } from './memory-outbox';
import type { Claim, ClaimOutcome, ClaimRequest, NewScrobble, OutboxStore, OutboxView, StoredScrobble } from './outbox-store';

const PREFIX = 'lastfm-signin:outbox:';
/** Settled scrobbles expire on their own after this long (they are on the home page meanwhile). */
const KEEP_SETTLED_MS = 24 * 60 * 60 * 1000;

/*
 * Keys (P = PREFIX): P due (sorted set: person → when their queue may next be claimed, held
 * people and empty queues left out), P person:<name> (hash: sealed key, held, lease, failures,
 * sending), P queue:<name> (sorted set: queued id → time played), P mine:<name> (sorted set: id →
 * when queued), P item:<id> (the scrobble as JSON), P people (set of names). Every change that
 * must not interleave with another instance's is one script, which Redis runs alone.
 */

/** ARGV: prefix, user, sealed key, now, then id, timestamp, JSON for each scrobble. */
const ADD = `local p, user, now = ARGV[1], ARGV[2], tonumber(ARGV[4])
local pk = p .. 'person:' .. user
redis.call('HSET', pk, 'key', ARGV[3])
redis.call('SADD', p .. 'people', user)
for i = 5, #ARGV, 3 do
  redis.call('SET', p .. 'item:' .. ARGV[i], ARGV[i + 2])
  redis.call('ZADD', p .. 'queue:' .. user, tonumber(ARGV[i + 1]), ARGV[i])
  redis.call('ZADD', p .. 'mine:' .. user, now, ARGV[i])
end
if redis.call('HGET', pk, 'held') ~= '1' then redis.call('ZADD', p .. 'due', 'NX', now, user) end`;

/** ARGV: prefix, now, lease ms, token, max, wanted user or ''. Returns {user, sealed key, failures, item JSON...} or nil. */
const CLAIM = `local p, now, leaseMs, token, max, wanted = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4], tonumber(ARGV[5]), ARGV[6]
local user
if wanted ~= '' then
  local pk = p .. 'person:' .. wanted
  local h = redis.call('HMGET', pk, 'held', 'lease')
  local due = redis.call('ZSCORE', p .. 'due', wanted)
  if h[1] == '1' or not due then return nil end
  if tonumber(due) > now and h[2] then return nil end
  user = wanted
else
  local r = redis.call('ZRANGEBYSCORE', p .. 'due', '-inf', now, 'LIMIT', 0, 1)
  if #r == 0 then return nil end
  user = r[1]
end
local pk = p .. 'person:' .. user
local ids = redis.call('ZRANGE', p .. 'queue:' .. user, 0, max - 1)
if #ids == 0 then
  redis.call('ZREM', p .. 'due', user)
  return nil
end
local sending = redis.call('HGET', pk, 'sending')
if sending then
  for _, id in ipairs(cjson.decode(sending)) do
    local raw = redis.call('GET', p .. 'item:' .. id)
    if raw then
      local item = cjson.decode(raw)
      if item.state == 'queued' then
        item.unanswered = item.unanswered + 1
        redis.call('SET', p .. 'item:' .. id, cjson.encode(item), 'KEEPTTL')
      end
    end
  end
  redis.call('HDEL', pk, 'sending')
end
redis.call('HSET', pk, 'lease', token)
redis.call('ZADD', p .. 'due', now + leaseMs, user)
local out = {user, redis.call('HGET', pk, 'key'), redis.call('HGET', pk, 'failures') or '0'}
for _, id in ipairs(ids) do table.insert(out, redis.call('GET', p .. 'item:' .. id)) end
return out`;

/** ARGV: prefix, user, token, due at, sending ids JSON or ''. Returns 1 while the lease is ours. */
const RENEW = `local p, user = ARGV[1], ARGV[2]
local pk = p .. 'person:' .. user
if redis.call('HGET', pk, 'lease') ~= ARGV[3] then return 0 end
redis.call('ZADD', p .. 'due', tonumber(ARGV[4]), user)
if ARGV[5] ~= '' then redis.call('HSET', pk, 'sending', ARGV[5]) end
return 1`;

/** ARGV: prefix, user, token, now, keep ms, outcome JSON (ids, settled, sent, unanswered, reason?, retryAt?, hold, failures). */
const FINISH = `local p, user, token, now, keepMs = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
local o = cjson.decode(ARGV[6])
local pk = p .. 'person:' .. user
for _, id in ipairs(o.ids) do
  local raw = redis.call('GET', p .. 'item:' .. id)
  if raw then
    local item = cjson.decode(raw)
    if item.state == 'queued' then
      if o.sent then item.tries = item.tries + 1 end
      local ending = o.settled[id]
      if ending then
        item.state = ending.state
        item.reason = ending.reason
        item.settledAt = now
        redis.call('ZREM', p .. 'queue:' .. user, id)
        redis.call('SET', p .. 'item:' .. id, cjson.encode(item), 'PX', keepMs)
      else
        if o.unanswered then item.unanswered = item.unanswered + 1 end
        if o.reason then item.reason = o.reason end
        redis.call('SET', p .. 'item:' .. id, cjson.encode(item), 'KEEPTTL')
      end
    end
  end
end
if redis.call('HGET', pk, 'lease') == token then
  redis.call('HDEL', pk, 'lease', 'sending')
  redis.call('HSET', pk, 'failures', o.failures)
  if o.hold then
    redis.call('HSET', pk, 'held', '1')
    redis.call('ZREM', p .. 'due', user)
  elseif redis.call('ZCARD', p .. 'queue:' .. user) > 0 then
    redis.call('ZADD', p .. 'due', o.retryAt or now, user)
  else
    redis.call('ZREM', p .. 'due', user)
  end
end`;

/** ARGV: prefix, user, sealed key, now. */
const RESUME = `local p, user, now = ARGV[1], ARGV[2], tonumber(ARGV[4])
local pk = p .. 'person:' .. user
if redis.call('EXISTS', pk) == 0 then return end
redis.call('HSET', pk, 'key', ARGV[3], 'held', '0', 'failures', '0')
if redis.call('ZCARD', p .. 'queue:' .. user) > 0 then
  if redis.call('HGET', pk, 'lease') then redis.call('ZADD', p .. 'due', 'NX', now, user)
  else redis.call('ZADD', p .. 'due', 'LT', now, user) end
end`;

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

  private eval(script: string, args: string[]): Promise<unknown> {
    return promiseWithDeadline(this.client.eval(script, { keys: [], arguments: args }));
  }
}
