import { RedisStore } from 'connect-redis';
import type { SessionData } from 'express-session';
import { createClient } from 'redis';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { promiseWithDeadline } from './deadline';
import { SessionStoreStartError, signOutsFailingAsStore, userKey, type SessionBackend, type SignOutRegistry } from './backend';
import { EncryptedStore } from './encrypted-store';
import { checkRedisDurability } from './redis-durability';
import { sealerFor } from './key-sealer';
import type { RedisClient } from '../shared-state/redis-state';
import type { UpdatingStore } from './still-stored';
import { messageOf } from '../error-message';

const PREFIX = 'lastfm-signin:';
/** A command not yet sent after this long fails; waiting for a reply is bounded by the store deadline. */
const COMMAND_TIMEOUT_MS = 2000;
const CONNECT_TIMEOUT_MS = 3000;
/** Tries at start before giving up with one line. */
const START_ATTEMPTS = 3;
/** Once running, reconnect for ever, backing off to this. */
const MAX_BACKOFF_MS = 2000;

/**
 * connect-redis over node-redis, set up to fail fast: with the offline queue off, a command sent
 * while Redis is away rejects at once (a 503 page) instead of waiting for a reconnect.
 */
export async function createRedisBackend(config: Config, options: { logger?: Logger } = {}): Promise<SessionBackend> {
  const url = config.session.redisUrl ?? '';
  const where = describeRedis(url);
  const logger = options.logger;
  let started = false;
  let lost = false;

  const client = createClient({
    url,
    disableOfflineQueue: true,
    commandOptions: { timeout: COMMAND_TIMEOUT_MS },
    socket: {
      connectTimeout: CONNECT_TIMEOUT_MS,
      reconnectStrategy: (retries, cause) => {
        // A fresh Error, not `cause`: node-redis checks `instanceof Error`, which a socket error from another realm (Jest's) fails.
        if (!started) return retries >= START_ATTEMPTS - 1 ? new Error(cause.message) : 200;
        return Math.min(100 * 2 ** retries, MAX_BACKOFF_MS);
      },
    },
  });
  // Without a listener, an 'error' event would crash the process; log once per outage instead.
  client.on('error', (error: unknown) => {
    if (!started || lost) return;
    lost = true;
    logger?.error({ err: messageOf(error), redis: where }, 'Redis connection lost: sessions answer 503 until it is back');
  });
  client.on('ready', () => {
    if (lost) logger?.info({ redis: where }, 'Redis is back: sessions work again');
    lost = false;
  });

  try {
    await client.connect();
  } catch (error) {
    if (client.isOpen) client.destroy();
    throw new SessionStoreStartError(`cannot reach Redis at ${where} (REDIS_URL): ${messageOf(error)}`);
  }
  started = true;

  const inner = new RedisSessionStore(client, `${PREFIX}sess:`);
  return {
    kind: 'redis',
    store: new EncryptedStore(inner, sealerFor(config)),
    signOuts: signOutsFailingAsStore(new RedisSignOuts(client, config.session.ttlMs)),
    redis: client,
    durability: () => checkRedisDurability(client),
    ping: async () => {
      if (!client.isReady) throw new Error(`Redis at ${where} is not connected`);
      await client.ping();
    },
    close: async () => {
      try {
        // close() waits for replies still due, which a hung Redis never sends.
        if (client.isReady) await promiseWithDeadline(client.close());
      } finally {
        if (client.isOpen) client.destroy();
      }
    },
  };
}

/** connect-redis, plus `update` as one SET … XX: Redis writes only if the key is still there. */
class RedisSessionStore extends RedisStore implements UpdatingStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keyPrefix: string,
  ) {
    super({ client: redis, prefix: keyPrefix });
  }

  update(sid: string, session: SessionData, callback: (err: unknown, written?: boolean) => void): void {
    this.redis.set(this.keyPrefix + sid, JSON.stringify(session), { expiration: { type: 'EX', value: secondsLeft(session) }, condition: 'XX' }).then(
      (reply) => callback(null, reply !== null),
      (error: unknown) => callback(error),
    );
  }

  touchIfStored(sid: string, session: SessionData, callback: (err: unknown, present?: boolean) => void): void {
    // EXPIRE sets a time only on a key that exists, and says whether it did.
    this.redis.expire(this.keyPrefix + sid, secondsLeft(session)).then(
      (reply) => callback(null, reply === 1),
      (error: unknown) => callback(error),
    );
  }

  has(sid: string, callback: (err: unknown, present?: boolean) => void): void {
    this.redis.exists(this.keyPrefix + sid).then(
      (count) => callback(null, count > 0),
      (error: unknown) => callback(error),
    );
  }
}

/** As connect-redis counts it: what is left of the cookie's lifetime; a day when it has none. */
function secondsLeft(session: SessionData): number {
  const left = session.cookie.maxAge;
  return typeof left === 'number' ? Math.max(1, Math.ceil(left / 1000)) : 86_400;
}

class RedisSignOuts implements SignOutRegistry {
  constructor(
    private readonly client: RedisClient,
    private readonly ttlMs: number,
  ) {}

  async signedOutAt(name: string): Promise<number | undefined> {
    const value = await promiseWithDeadline(this.client.get(`${PREFIX}sign-out:${userKey(name)}`));
    return value === null ? undefined : Number(value);
  }

  async record(name: string, at: number): Promise<void> {
    await promiseWithDeadline(this.client.set(`${PREFIX}sign-out:${userKey(name)}`, String(at), { expiration: { type: 'PX', value: this.ttlMs } }));
  }
}

/** Host and port only: a REDIS_URL may carry a password, which must not reach a log line. */
function describeRedis(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port === '' ? '6379' : parsed.port}`;
  } catch {
    return 'REDIS_URL';
  }
}
