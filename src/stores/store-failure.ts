import Database from 'better-sqlite3';
import { RedisTimeoutError } from 'lastfm-sign-in/redis';
import { ClientClosedError, ClientOfflineError, ConnectionTimeoutError, DisconnectsClientError, ErrorReply, ReconnectStrategyError, SocketClosedUnexpectedlyError, SocketTimeoutError, TimeoutError } from 'redis';
import { SessionStoreUnavailableError, StoreTimeoutError } from '../errors';

/** What node-redis throws while its server is away, hung or refusing a command. */
const REDIS_FAILURES = [RedisTimeoutError, ClientOfflineError, ClientClosedError, ConnectionTimeoutError, SocketTimeoutError, SocketClosedUnexpectedlyError, DisconnectsClientError, ReconnectStrategyError, TimeoutError, ErrorReply];

/**
 * Whether a failure came from a store (sessions, the outbox, the shared state) rather than from
 * this app's logic: each is a store outage to the person, a 503, wherever it was thrown from.
 */
export function isStoreFailure(error: unknown): boolean {
  if (error instanceof SessionStoreUnavailableError || error instanceof StoreTimeoutError || error instanceof Database.SqliteError) return true;
  return REDIS_FAILURES.some((kind) => error instanceof kind);
}
