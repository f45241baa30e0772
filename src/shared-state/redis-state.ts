import type { BudgetOptions } from 'lastfm-sign-in';
import { redisSharedState, type RedisClient } from 'lastfm-sign-in/redis';
import { promiseWithDeadline } from '../stores/deadline';
import type { KeySealer } from '../stores/key-sealer';
import type { ImportStaging, ReadStore, SharedState, StoredRead } from './shared-state';

export type { RedisClient };

/** The prefix of every key; lastfm-sign-in/redis uses the same one by default. */
const PREFIX = 'lastfm-signin:';
/** Last good reads are kept this long after their last use, to serve when Last.fm is busy or down. */
const READS_TTL_MS = 24 * 60 * 60 * 1000;

/**
 * The same rules as memory-state.ts, kept in the Redis the sessions use: the budget, attempt
 * counters and exchange guard of lastfm-sign-in/redis, and this app's read cache. Every command
 * goes through the session client, which fails fast while Redis is away (no offline queue).
 */
export function createRedisState(client: RedisClient, budget: BudgetOptions, sealer: KeySealer, apiKey: string): SharedState {
  const { budget: callBudget, attempts, rateLimits, exchanges } = redisSharedState(client, { apiKey, sealer, perSecond: budget.perSecond, leaseMs: budget.leaseMs, ...(budget.countFrom === undefined ? {} : { countFrom: budget.countFrom }), prefix: PREFIX });
  return {
    kind: 'redis',
    // Within the request's store time too (stores/deadline.ts), not only each command's own.
    budget: { take: (priority, who) => run(callBudget.take(priority, who)), sending: (slot) => run(callBudget.sending(slot)), release: (slot) => run(callBudget.release(slot)), backOff: (ms) => run(callBudget.backOff(ms)) },
    attempts: (name, limit) => {
      const counter = attempts(name, limit);
      return { take: (key) => run(counter.take(key)), reset: (key) => run(counter.reset(key)) };
    },
    rateLimits: (name, limit) => {
      const limiter = rateLimits(name, limit);
      return { take: (key) => run(limiter.take(key)) };
    },
    exchanges,
    reads: new RedisReads(client),
    imports: new RedisImportStaging(client),
    // The client belongs to the session store, which closes it.
    close: () => Promise.resolve(),
  };
}

const run = <T>(promise: Promise<T>): Promise<T> => promiseWithDeadline(promise);

/** One hash per person: field `v` is the version, every other field a read as JSON. */
class RedisReads implements ReadStore {
  constructor(private readonly client: RedisClient) {}

  async load(user: string): Promise<{ version: number; reads: Map<string, StoredRead> }> {
    const fields = await run(this.client.hGetAll(this.keyOf(user)));
    const reads = new Map<string, StoredRead>();
    for (const [name, raw] of Object.entries(fields)) {
      if (name !== 'v') reads.set(name, JSON.parse(raw) as StoredRead);
    }
    return { version: Number(fields.v ?? 0), reads };
  }

  async save(user: string, kind: string, read: StoredRead): Promise<void> {
    const key = this.keyOf(user);
    await run(this.client.multi().hSet(key, kind, JSON.stringify(read)).pExpire(key, READS_TTL_MS).exec());
  }

  async bump(user: string): Promise<number> {
    const key = this.keyOf(user);
    const [version] = await run(this.client.multi().hIncrBy(key, 'v', 1).pExpire(key, READS_TTL_MS).exec());
    return Number(version);
  }

  private keyOf(user: string): string {
    return `${PREFIX}reads:${user.toLowerCase()}`;
  }
}

/** Takes the staged import when its id is the one asked for; nothing is decoded in the script. */
const TAKE_IMPORT = `if redis.call('HGET', KEYS[1], 'id') ~= ARGV[1] then return false end
local data = redis.call('HGET', KEYS[1], 'data')
redis.call('DEL', KEYS[1])
return data`;

/** One hash per person: `id` and `data`, expiring with the staging. */
class RedisImportStaging implements ImportStaging {
  constructor(private readonly client: RedisClient) {}

  async put(user: string, id: string, data: string, ttlMs: number): Promise<void> {
    const key = this.keyOf(user);
    await run(this.client.multi().del(key).hSet(key, { id, data }).pExpire(key, ttlMs).exec());
  }

  async peek(user: string, id: string): Promise<string | undefined> {
    const [storedId, data] = await run(this.client.hmGet(this.keyOf(user), ['id', 'data']));
    return storedId === id && data !== null && data !== undefined ? data : undefined;
  }

  async take(user: string, id: string): Promise<string | undefined> {
    const data = await run(this.client.eval(TAKE_IMPORT, { keys: [this.keyOf(user)], arguments: [id] }));
    return typeof data === 'string' ? data : undefined;
  }

  private keyOf(user: string): string {
    return `${PREFIX}import:${user.toLowerCase()}`;
  }
}
