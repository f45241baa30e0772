import type Database from 'better-sqlite3';
import { DAILY_WINDOW_MS, type DailyScrobbleCount, type SentInWindow } from './daily-count';

/** The daily count in the sessions' SQLite file, so every process on it counts the same. */
export class SqliteDailyCount implements DailyScrobbleCount {
  private readonly sql;

  constructor(private readonly db: Database.Database) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS outbox_sent (id TEXT PRIMARY KEY, user TEXT NOT NULL, at INTEGER NOT NULL);
      CREATE INDEX IF NOT EXISTS outbox_sent_user_at ON outbox_sent (user, at);
    `);
    this.sql = {
      insert: db.prepare<[string, string, number]>('INSERT OR IGNORE INTO outbox_sent (id, user, at) VALUES (?, ?, ?)'),
      forget: db.prepare<[number]>('DELETE FROM outbox_sent WHERE at <= ?'),
      since: db.prepare<[string, number], { count: number; oldest: number | null }>('SELECT COUNT(*) AS count, MIN(at) AS oldest FROM outbox_sent WHERE user = ? AND at > ?'),
    };
  }

  record(user: string, ids: readonly string[], at: number): Promise<void> {
    this.db.transaction(() => {
      for (const id of ids) this.sql.insert.run(id, user, at);
      // What left the window counts for no one: the table holds one day's sends at most.
      this.sql.forget.run(at - DAILY_WINDOW_MS);
    })();
    return Promise.resolve();
  }

  since(user: string, since: number): Promise<SentInWindow> {
    const row = this.sql.since.get(user, since);
    return Promise.resolve({ count: row?.count ?? 0, oldestAt: row?.oldest ?? undefined });
  }
}
