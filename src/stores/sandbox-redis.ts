import type { SandboxRecord, SandboxRecordWrite, SandboxStore } from 'lastfm-sign-in/testing';
import { SessionStoreUnavailableError } from '../errors';
import type { RedisClient } from '../shared-state/redis-state';
import { promiseWithDeadline } from './deadline';

/*
 * Keys (P = PREFIX): P <kind>:<id> (hash: `v` the version, `value` the record's text; tokens
 * and authorize pages expire with their lifetime), P order:<kind> (sorted set: the names of the
 * capped kinds' records, oldest first; one that expired stays until it is trimmed away),
 * P order:n (the counter that gives each new record its place).
 */
const PREFIX = 'lastfm-signin:sandbox:';

/**
 * ARGV: prefix, then name, kind, version read ('' if absent), 'set' or 'del', value, expiry in
 * ms since the epoch (''), most kept of its kind ('') for each write. Returns 0, writing nothing,
 * when a version moved; 1 when all were written. Values stay opaque strings (see
 * redis-outbox-scripts.ts).
 */
const WRITE = `local p = ARGV[1]
for i = 2, #ARGV, 7 do
  if (redis.call('HGET', p .. ARGV[i], 'v') or '') ~= ARGV[i + 2] then return 0 end
end
for i = 2, #ARGV, 7 do
  local name, kind, max = ARGV[i], ARGV[i + 1], ARGV[i + 6]
  local key, order = p .. name, p .. 'order:' .. kind
  if ARGV[i + 3] == 'del' then
    redis.call('DEL', key)
    redis.call('ZREM', order, name)
  else
    redis.call('HINCRBY', key, 'v', 1)
    redis.call('HSET', key, 'value', ARGV[i + 4])
    if ARGV[i + 5] ~= '' then redis.call('PEXPIREAT', key, ARGV[i + 5]) end
    if max ~= '' and redis.call('ZSCORE', order, name) == false then
      redis.call('ZADD', order, redis.call('INCR', p .. 'order:n'), name)
      local over = redis.call('ZCARD', order) - tonumber(max)
      if over > 0 then
        for _, old in ipairs(redis.call('ZRANGE', order, 0, over - 1)) do redis.call('DEL', p .. old) end
        redis.call('ZREMRANGEBYRANK', order, 0, over - 1)
      end
    end
  end
end
return 1`;

/** The sandbox's records in the sessions' Redis: one sandbox for every instance. */
export class RedisSandboxStore implements SandboxStore {
  constructor(private readonly client: RedisClient) {}

  async read(names: readonly string[]): Promise<Map<string, SandboxRecord>> {
    try {
      const hashes = await promiseWithDeadline(Promise.all(names.map((name) => this.client.hGetAll(PREFIX + name))));
      const records = new Map<string, SandboxRecord>();
      names.forEach((name, i) => {
        const hash = hashes[i];
        if (hash?.v !== undefined && hash.value !== undefined) records.set(name, { value: hash.value, version: Number(hash.v) });
      });
      return records;
    } catch (error) {
      throw SessionStoreUnavailableError.from(error);
    }
  }

  async write(writes: readonly SandboxRecordWrite[]): Promise<boolean> {
    const args = [PREFIX];
    const text = (n: number | undefined): string => (n === undefined ? '' : String(n));
    for (const write of writes) {
      args.push(write.name, write.kind, text(write.readVersion), write.value === undefined ? 'del' : 'set', write.value ?? '', text(write.expiresAt), text(write.keepAtMost));
    }
    try {
      return Number(await promiseWithDeadline(this.client.eval(WRITE, { keys: [], arguments: args }))) === 1;
    } catch (error) {
      throw SessionStoreUnavailableError.from(error);
    }
  }
}
