import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Config } from '../config';
import { asError } from '../error-message';
import { describeFileError } from '../file-errors';
import type { Logger } from '../logger';
import { SessionStoreStartError, signOutsFailingAsStore, userKey, type SessionBackend, type SignOutRegistry } from './backend';
import { EncryptedStore } from './encrypted-store';
import { sealerFor } from './key-sealer';
import { SqliteSessionStore } from './sqlite-store';

export const SQLITE_FILE = 'sessions.sqlite';

/** The sign_outs table (SqliteSessionStore creates it and prunes it with the sessions). */
class SqliteSignOuts implements SignOutRegistry {
  private readonly read;
  private readonly write;

  constructor(
    db: Database.Database,
    private readonly ttlMs: number,
  ) {
    this.read = db.prepare<[string, number], { at: number }>('SELECT at FROM sign_outs WHERE user = ? AND expires > ?');
    this.write = db.prepare<[string, number, number]>('INSERT INTO sign_outs (user, at, expires) VALUES (?, ?, ?) ON CONFLICT (user) DO UPDATE SET at = MAX(at, excluded.at), expires = excluded.expires');
  }

  signedOutAt(name: string): Promise<number | undefined> {
    try {
      return Promise.resolve(this.read.get(userKey(name), Date.now())?.at);
    } catch (error) {
      return Promise.reject(asError(error));
    }
  }

  record(name: string, at: number): Promise<void> {
    try {
      this.write.run(userKey(name), at, at + this.ttlMs);
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(asError(error));
    }
  }
}

/**
 * The database holds sealed session keys and who is signed in: readable by this app's user only.
 * SQLite gives its -wal and -shm files the database file's permissions, so this covers them too
 * (and tightens a file an older version created 0644).
 */
function keepPrivate(file: string): void {
  closeSync(openSync(file, 'a', 0o600));
  chmodSync(file, 0o600);
}

/** Opens (creating if needed) DATA_DIR/sessions.sqlite in WAL mode. */
export function createSqliteBackend(config: Config, options: { logger?: Logger; pruneIntervalMs?: number } = {}): SessionBackend {
  const file = path.join(config.session.dataDir, SQLITE_FILE);
  let db: Database.Database;
  try {
    mkdirSync(config.session.dataDir, { recursive: true, mode: 0o700 });
    keepPrivate(file);
    db = new Database(file);
    db.pragma('journal_mode = WAL');
    // Several processes on one file wait for each other's short writes instead of failing.
    db.pragma('busy_timeout = 5000');
    db.pragma('synchronous = NORMAL');
  } catch (error) {
    throw new SessionStoreStartError(`cannot open the session database ${file} (DATA_DIR): ${describeFileError(error)}`);
  }
  const inner = new SqliteSessionStore(db, { ttlMs: config.session.ttlMs, ...options });
  return {
    kind: 'sqlite',
    inProcess: true,
    // better-sqlite3 answers synchronously: a timer could never fire before the answer.
    store: new EncryptedStore(inner, sealerFor(config), 'in-process'),
    signOuts: signOutsFailingAsStore(new SqliteSignOuts(db, config.session.ttlMs)),
    sqlite: db,
    ping: () => {
      try {
        db.prepare('SELECT 1').get();
        return Promise.resolve();
      } catch (error) {
        return Promise.reject(asError(error));
      }
    },
    close: () => {
      inner.close();
      return Promise.resolve();
    },
  };
}
