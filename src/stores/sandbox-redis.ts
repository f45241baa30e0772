import { MAX_SESSION_KEYS, type SandboxRecord, type SandboxRecordWrite, type SandboxStore } from 'lastfm-sign-in/testing';
import { SessionStoreUnavailableError } from '../errors';
import type { RedisClient } from '../shared-state/redis-state';
import { promiseWithDeadline } from './deadline';

/*
 * Keys (P = PREFIX): P <kind>:<id> (hash: `v` the version, `value` the record's text; tokens
 * and authorize pages expire with their lifetime), P keys (sorted set: session key record name →
 * its place in line, oldest first), P keys:n (the counter that hands out places).
 */
const PREFIX = 'lastfm-signin:sandbox:';

/**
 * ARGV: prefix, most session keys kept, then name, kind, version read ('' if absent), 'set' or
 * 'del', value, expiry in ms since the epoch ('') for each write. Returns 0, writing nothing, when
 * a version moved; 1 when all were written. Values stay opaque strings (see redis-outbox-scripts.ts).
 */
const WRITE = `local p, max = ARGV[1], tonumber(ARGV[2])
for i = 3, #ARGV, 6 do
  if (redis.call('HGET', p .. ARGV[i], 'v') or '') ~= ARGV[i + 2] then return 0 end
end
for i = 3, #ARGV, 6 do
  local name, kind = ARGV[i], ARGV[i + 1]
  local key = p .. name
  if ARGV[i + 3] == 'del' then
    redis.call('DEL', key)
    if kind == 'key' then redis.call('ZREM', p .. 'keys', name) end
  else
    redis.call('HINCRBY', key, 'v', 1)
    redis.call('HSET', key, 'value', ARGV[i + 4])
    if ARGV[i + 5] ~= '' then redis.call('PEXPIREAT', key, ARGV[i + 5]) end
    if kind == 'key' and redis.call('ZSCORE', p .. 'keys', name) == false then
      redis.call('ZADD', p .. 'keys', redis.call('INCR', p .. 'keys:n'), name)
    end
  end
end
local over = redis.call('ZCARD', p .. 'keys') - max
if over > 0 then
  for _, name in ipairs(redis.call('ZRANGE', p .. 'keys', 0, over - 1)) do redis.call('DEL', p .. name) end
  redis.call('ZREMRANGEBYRANK', p .. 'keys', 0, over - 1)
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
    const args = [PREFIX, String(MAX_SESSION_KEYS)];
    for (const write of writes) {
      args.push(write.name, write.kind, write.readVersion === undefined ? '' : String(write.readVersion), write.value === undefined ? 'del' : 'set', write.value ?? '', write.expiresAt === undefined ? '' : String(write.expiresAt));
    }
    try {
      return Number(await promiseWithDeadline(this.client.eval(WRITE, { keys: [], arguments: args }))) === 1;
    } catch (error) {
      throw SessionStoreUnavailableError.from(error);
    }
  }
}
