import type Database from 'better-sqlite3';
import { Store, type SessionData } from 'express-session';
import { messageOf } from '../error-message';
import type { Logger } from '../logger';
import type { UpdatingStore } from './still-stored';

const PRUNE_BATCH = 500;

export interface SqliteStoreOptions {
  ttlMs: number;
  pruneIntervalMs?: number;
  logger?: Logger;
  now?: () => number;
}

/**
 * express-session store over better-sqlite3. Each statement runs to completion before the next
 * (the binding is synchronous), and WAL lets readers go on while one writes, so concurrent
 * requests of one session never interleave inside a write: the last save wins, whole.
 */
export class SqliteSessionStore extends Store implements UpdatingStore {
  private readonly statements;
  private readonly timer: NodeJS.Timeout;
  private readonly now: () => number;
  private readonly ttlMs: number;
  private readonly logger: Logger | undefined;
  private closed = false;

  constructor(
    readonly db: Database.Database,
    options: SqliteStoreOptions,
  ) {
    super();
    this.now = options.now ?? Date.now;
    this.ttlMs = options.ttlMs;
    this.logger = options.logger;
    db.exec(`
      CREATE TABLE IF NOT EXISTS sessions (sid TEXT PRIMARY KEY, sess TEXT NOT NULL, expires INTEGER NOT NULL);
      CREATE INDEX IF NOT EXISTS sessions_expires ON sessions (expires);
      CREATE TABLE IF NOT EXISTS sign_outs (user TEXT PRIMARY KEY, at INTEGER NOT NULL, expires INTEGER NOT NULL);
    `);
    this.statements = {
      get: db.prepare<[string, number], { sess: string }>('SELECT sess FROM sessions WHERE sid = ? AND expires > ?'),
      set: db.prepare<[string, string, number]>('INSERT INTO sessions (sid, sess, expires) VALUES (?, ?, ?) ON CONFLICT (sid) DO UPDATE SET sess = excluded.sess, expires = excluded.expires'),
      touch: db.prepare<[number, string]>('UPDATE sessions SET expires = ? WHERE sid = ?'),
      touchIfStored: db.prepare<[number, string, number]>('UPDATE sessions SET expires = ? WHERE sid = ? AND expires > ?'),
      update: db.prepare<[string, number, string, number]>('UPDATE sessions SET sess = ?, expires = ? WHERE sid = ? AND expires > ?'),
      has: db.prepare<[string, number], { one: number }>('SELECT 1 AS one FROM sessions WHERE sid = ? AND expires > ?'),
      destroy: db.prepare<[string]>('DELETE FROM sessions WHERE sid = ?'),
      pruneSessions: db.prepare<[number, number]>('DELETE FROM sessions WHERE rowid IN (SELECT rowid FROM sessions WHERE expires <= ? LIMIT ?)'),
      pruneSignOuts: db.prepare<[number, number]>('DELETE FROM sign_outs WHERE rowid IN (SELECT rowid FROM sign_outs WHERE expires <= ? LIMIT ?)'),
      length: db.prepare<[number], { n: number }>('SELECT COUNT(*) AS n FROM sessions WHERE expires > ?'),
    };
    this.timer = setInterval(() => this.prune(), options.pruneIntervalMs ?? 10 * 60 * 1000);
    this.timer.unref();
  }

  override get(sid: string, callback: (err: unknown, session?: SessionData | null) => void): void {
    let row: { sess: string } | undefined;
    try {
      row = this.statements.get.get(sid, this.now());
    } catch (error) {
      callback(error);
      return;
    }
    if (row === undefined) {
      callback(null, null);
      return;
    }
    let session: SessionData | null;
    try {
      session = JSON.parse(row.sess) as SessionData;
    } catch {
      session = null; // A row that is not JSON is no session, not an outage.
    }
    callback(null, session);
  }

  override set(sid: string, session: SessionData, callback?: (err?: unknown) => void): void {
    this.run(callback, () => this.statements.set.run(sid, JSON.stringify(session), this.expiresOf(session)));
  }

  override touch(sid: string, session: SessionData, callback?: (err?: unknown) => void): void {
    this.run(callback, () => this.statements.touch.run(this.expiresOf(session), sid));
  }

  override destroy(sid: string, callback?: (err?: unknown) => void): void {
    this.run(callback, () => this.statements.destroy.run(sid));
  }

  update(sid: string, session: SessionData, callback: (err: unknown, written?: boolean) => void): void {
    let changes: number;
    try {
      changes = this.statements.update.run(JSON.stringify(session), this.expiresOf(session), sid, this.now()).changes;
    } catch (error) {
      callback(error);
      return;
    }
    callback(null, changes > 0);
  }

  touchIfStored(sid: string, session: SessionData, callback: (err: unknown, present?: boolean) => void): void {
    let changes: number;
    try {
      changes = this.statements.touchIfStored.run(this.expiresOf(session), sid, this.now()).changes;
    } catch (error) {
      callback(error);
      return;
    }
    callback(null, changes > 0);
  }

  has(sid: string, callback: (err: unknown, present?: boolean) => void): void {
    let present: boolean;
    try {
      present = this.statements.has.get(sid, this.now()) !== undefined;
    } catch (error) {
      callback(error);
      return;
    }
    callback(null, present);
  }

  override length(callback: (err: unknown, length?: number) => void): void {
    let n: number;
    try {
      n = this.statements.length.get(this.now())?.n ?? 0;
    } catch (error) {
      callback(error);
      return;
    }
    callback(null, n);
  }

  /**
   * Deletes expired rows in small batches, yielding between them, so a large backlog never holds
   * the write lock (or the event loop) long enough to delay a request.
   */
  prune(done?: (deleted: number) => void): void {
    let deleted = 0;
    const step = () => {
      if (this.closed) {
        done?.(deleted);
        return;
      }
      let changes: number;
      try {
        const at = this.now();
        changes = this.statements.pruneSessions.run(at, PRUNE_BATCH).changes + this.statements.pruneSignOuts.run(at, PRUNE_BATCH).changes;
      } catch (error) {
        this.logger?.warn({ err: messageOf(error) }, 'could not prune expired sessions');
        done?.(deleted);
        return;
      }
      deleted += changes;
      if (changes > 0) setImmediate(step);
      else done?.(deleted);
    };
    step();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    this.db.close();
  }

  private expiresOf(session: SessionData): number {
    const maxAge = session.cookie.maxAge;
    return this.now() + (typeof maxAge === 'number' ? maxAge : this.ttlMs);
  }

  private run(callback: ((err?: unknown) => void) | undefined, write: () => unknown): void {
    try {
      write();
    } catch (error) {
      callback?.(error);
      return;
    }
    callback?.();
  }
}
