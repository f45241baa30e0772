/**
 * lastfm-sign-in/redis: what every instance of a host must share, kept in the Redis the host
 * already has: the call budget and its back-off after error 29, the desktop exchange guard and
 * attempt counters. The host passes a connected node-redis (v5) client; this module never
 * connects, closes or configures it.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { createClient } from 'redis';
import type { AttemptCounter, AttemptLimit } from '../core/attempts';
import type { RateLimit, RateLimiter } from '../core/rate-limit';
import { SENT_SLOT_MS, SLOT_WINDOW_MS, backgroundSpacingMs, signedOutShare, slotLimit, type BudgetAnswer, type BudgetOptions, type CallBudget, type CallerKind, type CallPriority, type SlotCount } from '../core/budget';
import type { ExchangeOutcome, TokenExchanges } from '../core/exchanges';
import { ATTEMPT, BACK_OFF, FREE_BY, RATE, RELEASE_LOCK, TAKE } from './scripts';

export type RedisClient = ReturnType<typeof createClient>;

/** How session keys are kept while they sit in Redis; `KeySealer` from `lastfm-sign-in` is one. */
export interface Sealer {
  seal(plaintext: string, context: string): string;
  /** The plaintext, or undefined when it does not open. */
  open(sealed: string, context: string): string | undefined;
}

export interface RedisSharedOptions {
  /** Budgets are per API key, as Last.fm counts them; only a hash of it reaches Redis. */
  apiKey: string;
  /** Seals the session key an exchange leaves for a second request of a double click. */
  sealer: Sealer;
  /** Calls per second for every instance together (default 5). */
  perSecond?: number;
  /** How long a slot whose call never reports back stays taken: the longest a call takes, plus a second (default 11 s). */
  leaseMs?: number;
  /** Where a slot's second starts (default 'answer'; see CallBudget). */
  countFrom?: SlotCount;
  /** Put before every key (default `lastfm-signin:`). */
  prefix?: string;
  /** How long one Redis command may take before it fails with RedisTimeoutError (default 3 s). */
  commandTimeoutMs?: number;
}

/** What several instances share: pass `budget` to createLastfmClient, the rest to the sign-in flows. */
export interface RedisSharedState {
  budget: CallBudget;
  /** A counter per limit, named by the caller ("mobile-client", ...). */
  attempts: (name: string, limit: AttemptLimit) => AttemptCounter;
  /** A token bucket per key and limit, named by the caller ("sign-in-calls", ...). */
  rateLimits: (name: string, limit: RateLimit) => RateLimiter;
  exchanges: TokenExchanges;
}

export const DEFAULT_PREFIX = 'lastfm-signin:';
const DEFAULT_COMMAND_TIMEOUT_MS = 3000;
/** How long the second request of a double click waits for the first one's exchange. */
const EXCHANGE_WAIT_MS = 20_000;
/**
 * How long an exchange's lock lives if its owner never lets go (a crash): well past the longest
 * exchange, a call's wait for the budget plus a Last.fm timeout of up to 120 s, so a live
 * exchange never loses its lock to a second one.
 */
const EXCHANGE_LOCK_MS = 5 * 60_000;
const EXCHANGE_POLL_MS = 50;
/** The outcome outlives the exchange long enough for a late second click to find it. */
const EXCHANGE_RESULT_TTL_MS = 60_000;

/** Redis gave no answer in time; a client library times out sending, not waiting for a reply. */
export class RedisTimeoutError extends Error {
  override readonly name = 'RedisTimeoutError';
  readonly code = 'redis-timeout';

  constructor(readonly ms: number) {
    super(`Redis did not answer within ${ms} ms`);
  }
}

/** The budget, the counters and the exchange guard over one client. */
export function redisSharedState(client: RedisClient, options: RedisSharedOptions): RedisSharedState {
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  const timeoutMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  return {
    budget: new RedisBudget(client, { apiKey: options.apiKey, perSecond: options.perSecond ?? 5, leaseMs: options.leaseMs ?? 11_000, ...(options.countFrom === undefined ? {} : { countFrom: options.countFrom }), prefix, commandTimeoutMs: timeoutMs }),
    attempts: (name, limit) => new RedisAttempts(client, name, limit, { prefix, commandTimeoutMs: timeoutMs }),
    rateLimits: (name, limit) => new RedisRateLimiter(client, name, limit, { prefix, commandTimeoutMs: timeoutMs }),
    exchanges: new RedisExchanges(client, { sealer: options.sealer, prefix, commandTimeoutMs: timeoutMs }),
  };
}

function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new RedisTimeoutError(ms)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const sha256 = (text: string, encoding: 'hex' | 'base64url') => createHash('sha256').update(text).digest(encoding);

/**
 * Last.fm's call budget, one for every instance on this Redis. The scripts read Redis's own
 * clock, so instances whose clocks disagree still count one second alike, and each runs
 * atomically: two instances can never both take the last slot.
 */
export class RedisBudget implements CallBudget {
  private readonly key: string;
  private readonly options: BudgetOptions & { commandTimeoutMs: number };

  constructor(
    private readonly client: RedisClient,
    options: BudgetOptions & { apiKey: string; prefix?: string; commandTimeoutMs?: number },
  ) {
    this.key = `${options.prefix ?? DEFAULT_PREFIX}budget:${sha256(options.apiKey, 'hex').slice(0, 16)}`;
    this.options = { perSecond: options.perSecond, leaseMs: options.leaseMs, countFrom: options.countFrom ?? 'answer', commandTimeoutMs: options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS };
  }

  async take(priority: CallPriority, who: CallerKind): Promise<BudgetAnswer> {
    const slot = randomUUID();
    const limit = slotLimit(this.options.perSecond, priority);
    const share = who === 'signed-out' ? signedOutShare(this.options.perSecond) : 0;
    const keys = [`${this.key}:slots`, `${this.key}:pause`, `${this.key}:signed-out`, `${this.key}:background-last`, `${this.key}:waiting`, `${this.key}:answer-ms`];
    const spacing = String(backgroundSpacingMs(this.options.perSecond, this.options.countFrom));
    const args = [slot, String(limit), String(this.options.leaseMs), String(share), priority === 'background' ? '1' : '0', spacing, this.options.countFrom === 'send' ? '0' : String(this.options.perSecond)];
    const [taken, retryInMs, pausedMs] = (await this.run(this.client.eval(TAKE, { keys, arguments: args }))) as [number, number, number];
    return taken === 1 ? { ok: true, slot } : { ok: false, retryInMs, pausedMs };
  }

  async sending(slot: string): Promise<void> {
    if (this.options.countFrom === 'send') await this.freeBy(slot, SENT_SLOT_MS, 0);
  }

  async release(slot: string): Promise<void> {
    await this.freeBy(slot, SLOT_WINDOW_MS, this.options.countFrom === 'send' ? 0 : this.options.leaseMs);
  }

  private async freeBy(slot: string, ms: number, answeredLeaseMs: number): Promise<void> {
    const keys = [`${this.key}:slots`, `${this.key}:signed-out`, `${this.key}:answer-ms`];
    await this.run(this.client.eval(FREE_BY, { keys, arguments: [slot, String(ms), String(answeredLeaseMs)] }));
  }

  async backOff(ms: number): Promise<void> {
    await this.run(this.client.eval(BACK_OFF, { keys: [`${this.key}:pause`], arguments: [String(Math.max(1, Math.round(ms)))] }));
  }

  private run<T>(promise: Promise<T>): Promise<T> {
    return withDeadline(promise, this.options.commandTimeoutMs);
  }
}

/** A fixed window per key from its first attempt, for every instance at once. */
export class RedisAttempts implements AttemptCounter {
  private readonly prefix: string;
  private readonly commandTimeoutMs: number;

  constructor(
    private readonly client: RedisClient,
    name: string,
    private readonly limit: AttemptLimit,
    options: { prefix?: string; commandTimeoutMs?: number } = {},
  ) {
    this.prefix = `${options.prefix ?? DEFAULT_PREFIX}attempts:${name}:`;
    this.commandTimeoutMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  }

  async take(key: string): Promise<number> {
    const wait = await withDeadline(this.client.eval(ATTEMPT, { keys: [this.keyOf(key)], arguments: [String(this.limit.max), String(this.limit.windowMs)] }), this.commandTimeoutMs);
    return Number(wait);
  }

  async reset(key: string): Promise<void> {
    await withDeadline(this.client.del(this.keyOf(key)), this.commandTimeoutMs);
  }

  /** Keys are user names and addresses: hashed so Redis holds neither. */
  private keyOf(key: string): string {
    return `${this.prefix}${sha256(key, 'base64url')}`;
  }
}

/** Token buckets per key, for every instance at once, on Redis's clock. */
export class RedisRateLimiter implements RateLimiter {
  private readonly prefix: string;
  private readonly commandTimeoutMs: number;

  constructor(
    private readonly client: RedisClient,
    name: string,
    private readonly limit: RateLimit,
    options: { prefix?: string; commandTimeoutMs?: number } = {},
  ) {
    this.prefix = `${options.prefix ?? DEFAULT_PREFIX}rate:${name}:`;
    this.commandTimeoutMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  }

  async take(key: string): Promise<number> {
    const bucket = `${this.prefix}${sha256(key, 'base64url')}`;
    const wait = await withDeadline(this.client.eval(RATE, { keys: [bucket], arguments: [String(this.limit.burst), String(this.limit.everyMs)] }), this.commandTimeoutMs);
    return Number(wait);
  }
}

/**
 * A lock per token (SET NX) and the outcome left beside it for the other request. The session
 * key in an outcome is sealed; the token is hashed, so Redis holds neither in clear.
 */
export class RedisExchanges implements TokenExchanges {
  private readonly sealer: Sealer;
  private readonly prefix: string;
  private readonly commandTimeoutMs: number;

  constructor(
    private readonly client: RedisClient,
    options: { sealer: Sealer; prefix?: string; commandTimeoutMs?: number },
  ) {
    this.sealer = options.sealer;
    this.prefix = options.prefix ?? DEFAULT_PREFIX;
    this.commandTimeoutMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  }

  async once(token: string, exchange: () => Promise<ExchangeOutcome>): Promise<ExchangeOutcome> {
    const id = sha256(token, 'base64url');
    const lock = `${this.prefix}exchange:${id}:lock`;
    const result = `${this.prefix}exchange:${id}:result`;
    const deadline = Date.now() + EXCHANGE_WAIT_MS;
    for (;;) {
      const earlier = await this.outcome(result, id);
      if (earlier !== undefined) return earlier;
      const owner = randomUUID();
      if ((await this.run(this.client.set(lock, owner, { condition: 'NX', expiration: { type: 'PX', value: EXCHANGE_LOCK_MS } }))) === 'OK') {
        try {
          const outcome = await exchange();
          const stored = outcome.ok ? { ...outcome, key: this.sealer.seal(outcome.key, `exchange:${id}`) } : outcome;
          await this.run(this.client.set(result, JSON.stringify(stored), { expiration: { type: 'PX', value: EXCHANGE_RESULT_TTL_MS } }));
          return outcome;
        } finally {
          // Only this exchange's own lock: one that expired and was taken by another stays theirs.
          await this.run(this.client.eval(RELEASE_LOCK, { keys: [lock], arguments: [owner] }));
        }
      }
      if (Date.now() > deadline) return { ok: false, code: 16, message: 'Another request is still exchanging this token' };
      await new Promise((resolve) => setTimeout(resolve, EXCHANGE_POLL_MS));
    }
  }

  private async outcome(result: string, id: string): Promise<ExchangeOutcome | undefined> {
    const raw = await this.run(this.client.get(result));
    if (raw === null) return undefined;
    const stored = JSON.parse(raw) as ExchangeOutcome;
    if (!stored.ok) return stored;
    const key = this.sealer.open(stored.key, `exchange:${id}`);
    return key === undefined ? undefined : { ...stored, key };
  }

  private run<T>(promise: Promise<T>): Promise<T> {
    return withDeadline(promise, this.commandTimeoutMs);
  }
}
