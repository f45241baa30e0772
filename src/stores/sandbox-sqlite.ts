import type Database from 'better-sqlite3';
import type { SandboxRecord, SandboxRecordWrite, SandboxStore } from 'lastfm-sign-in/testing';
import { SessionStoreUnavailableError } from '../errors';

interface RecordRow {
  name: string;
  value: string;
  version: number;
}

/**
 * The sandbox's records in the sessions' SQLite file, so its session keys outlive a restart as
 * the sessions holding them do. Each write is one IMMEDIATE transaction: several processes on
 * one file check and write versions one at a time.
 */
export class SqliteSandboxStore implements SandboxStore {
  private readonly sql;
  private readonly writeAll;

  constructor(db: Database.Database) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS sandbox_records (name TEXT PRIMARY KEY, kind TEXT NOT NULL, value TEXT NOT NULL, version INTEGER NOT NULL, expires INTEGER);
      CREATE INDEX IF NOT EXISTS sandbox_records_kind ON sandbox_records (kind);
      CREATE INDEX IF NOT EXISTS sandbox_records_expires ON sandbox_records (expires) WHERE expires IS NOT NULL;
    `);
    this.sql = {
      read: db.prepare<[string, number], RecordRow>('SELECT name, value, version FROM sandbox_records WHERE name IN (SELECT value FROM json_each(?)) AND (expires IS NULL OR expires > ?)'),
      version: db.prepare<[string, number], { version: number }>('SELECT version FROM sandbox_records WHERE name = ? AND (expires IS NULL OR expires > ?)'),
      put: db.prepare<[string, string, string, number | null]>(
        'INSERT INTO sandbox_records (name, kind, value, version, expires) VALUES (?, ?, ?, 1, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value, version = version + 1, expires = excluded.expires',
      ),
      remove: db.prepare<[string]>('DELETE FROM sandbox_records WHERE name = ?'),
      prune: db.prepare<[number]>('DELETE FROM sandbox_records WHERE expires IS NOT NULL AND expires <= ?'),
      // Rowids grow with each new row, so a kind's smallest are its oldest.
      trim: db.prepare<[string, string, number]>('DELETE FROM sandbox_records WHERE kind = ? AND rowid <= (SELECT rowid FROM sandbox_records WHERE kind = ? ORDER BY rowid DESC LIMIT 1 OFFSET ?)'),
    };
    this.writeAll = db.transaction((writes: readonly SandboxRecordWrite[], now: number): boolean => {
      for (const write of writes) {
        if (this.sql.version.get(write.name, now)?.version !== write.readVersion) return false;
      }
      this.sql.prune.run(now);
      const created = new Map<string, number>();
      for (const write of writes) {
        if (write.value === undefined) this.sql.remove.run(write.name);
        else this.sql.put.run(write.name, write.kind, write.value, write.expiresAt ?? null);
        if (write.value !== undefined && write.readVersion === undefined && write.keepAtMost !== undefined) created.set(write.kind, write.keepAtMost);
      }
      // Once per kind: the trim walks the kind's index from its newest row.
      for (const [kind, keepAtMost] of created) this.sql.trim.run(kind, kind, keepAtMost);
      return true;
    });
  }

  read(names: readonly string[]): Promise<Map<string, SandboxRecord>> {
    try {
      const rows = this.sql.read.all(JSON.stringify(names), Date.now());
      return Promise.resolve(new Map(rows.map((row) => [row.name, { value: row.value, version: row.version }])));
    } catch (error) {
      return Promise.reject(SessionStoreUnavailableError.from(error));
    }
  }

  write(writes: readonly SandboxRecordWrite[]): Promise<boolean> {
    try {
      return Promise.resolve(this.writeAll.immediate(writes, Date.now()));
    } catch (error) {
      return Promise.reject(SessionStoreUnavailableError.from(error));
    }
  }
}
