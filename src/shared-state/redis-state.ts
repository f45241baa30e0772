import { createHash, randomUUID } from 'node:crypto';
import type { createClient } from 'redis';
import { promiseWithDeadline } from '../stores/deadline';
import type { KeySealer } from '../stores/key-sealer';
import type { BudgetOptions } from './memory-state';
import { ATTEMPT, BACK_OFF, RELEASE, TAKE } from './redis-scripts';
import {
  slotLimit,
  type AttemptCounter,
  type AttemptLimit,
  type BudgetAnswer,
  type CallBudget,
  type CallPriority,
  type ExchangeOutcome,
  type ReadStore,
  type SharedState,
  type StoredRead,
  type TokenExchanges,
} from './shared-state';

export type RedisClient = ReturnType<typeof createClient>;

const PREFIX = 'lastfm-signin:';
/** Last good reads are kept this long after their last use, to serve when Last.fm is busy or down. */
const READS_TTL_MS = 24 * 60 * 60 * 1000;
/** How long the second request of a double click waits for the first one's exchange. */
const EXCHANGE_WAIT_MS = 20_000;
const EXCHANGE_POLL_MS = 50;
/** The outcome outlives the exchange long enough for a late second click to find it. */
const EXCHANGE_RESULT_TTL_MS = 60_000;

/**
 * The same rules as memory-state.ts, kept in the Redis the sessions use. Every command goes
 * through the session client, which fails fast while Redis is away (no offline queue).
 */
export function createRedisState(client: RedisClient, budget: BudgetOptions, sealer: KeySealer, apiKey: string): SharedState {
  // Budgets are per API key, as Last.fm counts them; a hash keeps the key itself out of Redis.
  const keyId = createHash('sha256').update(apiKey).digest('hex').slice(0, 16);
  return {
    kind: 'redis',
    budget: new RedisBudget(client, budget, `${PREFIX}budget:${keyId}`),
    attempts: (name, limit) => new RedisAttempts(client, `${PREFIX}attempts:${name}:`, limit),
    exchanges: new RedisExchanges(client, sealer),
    reads: new RedisReads(client),
    // The client belongs to the session store, which closes it.
    close: () => Promise.resolve(),
  };
}

const run = <T>(promise: Promise<T>): Promise<T> => promiseWithDeadline(promise);

class RedisBudget implements CallBudget {
  constructor(
    private readonly client: RedisClient,
    private readonly options: BudgetOptions,
    private readonly prefix: string,
  ) {}

  async take(priority: CallPriority): Promise<BudgetAnswer> {
    const slot = randomUUID();
    const limit = slotLimit(this.options.perSecond, priority);
    const [taken, retryInMs, pausedMs] = (await run(
      this.client.eval(TAKE, { keys: [`${this.prefix}:slots`, `${this.prefix}:pause`], arguments: [slot, String(limit), String(this.options.leaseMs)] }),
    )) as [number, number, number];
    return taken === 1 ? { ok: true, slot } : { ok: false, retryInMs, pausedMs };
  }

  async release(slot: string): Promise<void> {
    await run(this.client.eval(RELEASE, { keys: [`${this.prefix}:slots`], arguments: [slot] }));
  }

  async backOff(ms: number): Promise<void> {
    await run(this.client.eval(BACK_OFF, { keys: [`${this.prefix}:pause`], arguments: [String(Math.max(1, Math.round(ms)))] }));
  }
}

class RedisAttempts implements AttemptCounter {
  constructor(
    private readonly client: RedisClient,
    private readonly prefix: string,
    private readonly limit: AttemptLimit,
  ) {}

  async take(key: string): Promise<number> {
    const wait = await run(this.client.eval(ATTEMPT, { keys: [this.keyOf(key)], arguments: [String(this.limit.max), String(this.limit.windowMs)] }));
    return Number(wait);
  }

  async reset(key: string): Promise<void> {
    await run(this.client.del(this.keyOf(key)));
  }

  /** Keys are user names and addresses: hashed so Redis holds neither. */
  private keyOf(key: string): string {
    return `${this.prefix}${createHash('sha256').update(key).digest('base64url')}`;
  }
}

/**
 * A lock per token (SET NX) and the outcome left beside it for the other request. The session
 * key in an outcome is sealed as it is in the session store.
 */
class RedisExchanges implements TokenExchanges {
  constructor(
    private readonly client: RedisClient,
    private readonly sealer: KeySealer,
  ) {}

  async once(token: string, exchange: () => Promise<ExchangeOutcome>): Promise<ExchangeOutcome> {
    const id = createHash('sha256').update(token).digest('base64url');
    const lock = `${PREFIX}exchange:${id}:lock`;
    const result = `${PREFIX}exchange:${id}:result`;
    const deadline = Date.now() + EXCHANGE_WAIT_MS;
    for (;;) {
      const earlier = await this.outcome(result, id);
      if (earlier !== undefined) return earlier;
      if ((await run(this.client.set(lock, '1', { condition: 'NX', expiration: { type: 'PX', value: EXCHANGE_WAIT_MS } }))) === 'OK') {
        try {
          const outcome = await exchange();
          const stored = outcome.ok ? { ...outcome, key: this.sealer.seal(outcome.key, `exchange:${id}`) } : outcome;
          await run(this.client.set(result, JSON.stringify(stored), { expiration: { type: 'PX', value: EXCHANGE_RESULT_TTL_MS } }));
          return outcome;
        } finally {
          await run(this.client.del(lock));
        }
      }
      if (Date.now() > deadline) return { ok: false, code: 16, message: 'Another request is still exchanging this token' };
      await new Promise((resolve) => setTimeout(resolve, EXCHANGE_POLL_MS));
    }
  }

  private async outcome(result: string, id: string): Promise<ExchangeOutcome | undefined> {
    const raw = await run(this.client.get(result));
    if (raw === null) return undefined;
    const stored = JSON.parse(raw) as ExchangeOutcome;
    if (!stored.ok) return stored;
    const key = this.sealer.open(stored.key, `exchange:${id}`);
    return key === undefined ? undefined : { ...stored, key };
  }
}

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
