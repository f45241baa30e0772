import type Database from 'better-sqlite3';
import type { Store } from 'express-session';
import type { SessionStoreKind } from '../config';
import { SessionStoreUnavailableError } from '../errors';
import type { RedisClient } from '../shared-state/redis-state';
import type { DurabilityReport } from './redis-durability';

/** "Sign out everywhere" marks, kept where the sessions are so every app instance sees them. */
export interface SignOutRegistry {
  /** When this person last signed out everywhere; undefined if not within the session lifetime. */
  signedOutAt(name: string): Promise<number | undefined>;
  record(name: string, at: number): Promise<void>;
}

/** `registry` failing as the stores do: with a SessionStoreUnavailableError, which the edge makes a 503. */
export function signOutsFailingAsStore(registry: SignOutRegistry): SignOutRegistry {
  return {
    signedOutAt: (name) => registry.signedOutAt(name).catch((error: unknown) => Promise.reject(SessionStoreUnavailableError.from(error))),
    record: (name, at) => registry.record(name, at).catch((error: unknown) => Promise.reject(SessionStoreUnavailableError.from(error))),
  };
}

/** An opened session store and what the app needs around it. */
export interface SessionBackend {
  kind: SessionStoreKind;
  /** Already wrapped in EncryptedStore. */
  store: Store;
  signOuts: SignOutRegistry;
  /** The Redis connection, when the sessions live in Redis: the shared state uses it too. */
  redis?: RedisClient;
  /** The SQLite database, when the sessions live in SQLite: the scrobble outbox keeps its tables there. */
  sqlite?: Database.Database;
  /**
   * Every call is answered inside this process (the memory store, or SQLite's synchronous file):
   * none can wait on a network, so a request needs no shared store deadline (middleware/store-budget.ts).
   */
  inProcess?: boolean;
  /** Resolves when the store answers; rejects with the reason otherwise. */
  ping(): Promise<void>;
  /** Redis only: whether its own settings keep what the app acknowledged (AOF, no eviction). */
  durability?: () => Promise<DurabilityReport>;
  close(): Promise<void>;
}

/** The store could not be opened at start; `message` is one line fit for the operator. */
export class SessionStoreStartError extends Error {
  override readonly name = 'SessionStoreStartError';
}

/** Last.fm user names are case-insensitive. */
export function userKey(name: string): string {
  return name.toLowerCase();
}
