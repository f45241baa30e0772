import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { claimable, viewOf } from './memory-outbox';
import type { Claim, ClaimOutcome, ClaimRequest, NewScrobble, OutboxStats, OutboxStore, OutboxView, ScrobbleState, StoredScrobble } from './outbox-store';
import { asError } from '../error-message';
import { OutboxFullError } from '../errors';

interface PersonRow {
  user: string;
  sealed_key: string;
  held: number;
  due_at: number;
  lease: string | null;
  failures: number;
  sending: string | null;
}

interface ScrobbleRow {
  id: string;
  user: string;
  batch: string;
  artist: string;
  track: string;
  album: string | null;
  timestamp: number;
  state: ScrobbleState;
  reason: string | null;
  unanswered: number;
  tries: number;
  queued_at: number;
  settled_at: number | null;
}

/**
 * The outbox in the sessions' SQLite file. Claims run in IMMEDIATE transactions, so several
 * processes on one file never claim the same person; each write is on disk (WAL) before the
 * person hears "queued".
 */
export class SqliteOutbox implements OutboxStore {
  readonly kind = 'sqlite';
  private readonly sql;

  get closed(): boolean {
    return !this.db.open;
  }

  constructor(private readonly db: Database.Database) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS outbox_people (user TEXT PRIMARY KEY, sealed_key TEXT NOT NULL, held INTEGER NOT NULL DEFAULT 0, due_at INTEGER NOT NULL, lease TEXT, failures INTEGER NOT NULL DEFAULT 0, sending TEXT);
      CREATE TABLE IF NOT EXISTS outbox_scrobbles (id TEXT PRIMARY KEY, user TEXT NOT NULL, batch TEXT NOT NULL, artist TEXT NOT NULL, track TEXT NOT NULL, album TEXT, timestamp INTEGER NOT NULL, state TEXT NOT NULL, reason TEXT, unanswered INTEGER NOT NULL DEFAULT 0, tries INTEGER NOT NULL DEFAULT 0, queued_at INTEGER NOT NULL, settled_at INTEGER);
      CREATE INDEX IF NOT EXISTS outbox_scrobbles_queue ON outbox_scrobbles (user, state, timestamp);
      CREATE INDEX IF NOT EXISTS outbox_scrobbles_settled ON outbox_scrobbles (settled_at) WHERE settled_at IS NOT NULL;
      CREATE INDEX IF NOT EXISTS outbox_people_due ON outbox_people (due_at);
    `);
    this.sql = {
      addPerson: db.prepare<[string, string, number]>('INSERT INTO outbox_people (user, sealed_key, due_at) VALUES (?, ?, ?) ON CONFLICT (user) DO UPDATE SET sealed_key = excluded.sealed_key'),
      addScrobble: db.prepare<[string, string, string, string, string, string | null, number, number]>(
        "INSERT INTO outbox_scrobbles (id, user, batch, artist, track, album, timestamp, state, queued_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'queued', ?)",
      ),
      person: db.prepare<[string], PersonRow>('SELECT * FROM outbox_people WHERE user = ?'),
      nextDue: db.prepare<[number], PersonRow>(
        "SELECT p.* FROM outbox_people p WHERE p.held = 0 AND p.due_at <= ? AND EXISTS (SELECT 1 FROM outbox_scrobbles s WHERE s.user = p.user AND s.state = 'queued') ORDER BY p.due_at LIMIT 1",
      ),
      queued: db.prepare<[string, number], ScrobbleRow>("SELECT * FROM outbox_scrobbles WHERE user = ? AND state = 'queued' ORDER BY timestamp, queued_at, rowid LIMIT ?"),
      markUnanswered: db.prepare<[string]>("UPDATE outbox_scrobbles SET unanswered = unanswered + 1 WHERE state = 'queued' AND id IN (SELECT value FROM json_each(?))"),
      lease: db.prepare<[string, number, string]>('UPDATE outbox_people SET lease = ?, due_at = ?, sending = NULL WHERE user = ?'),
      renew: db.prepare<[number, number, string | null, string, string]>('UPDATE outbox_people SET due_at = ?, sending = CASE WHEN ? THEN ? ELSE sending END WHERE user = ? AND lease = ?'),
      settle: db.prepare<[number, ScrobbleState, string | null, number, string]>("UPDATE outbox_scrobbles SET tries = tries + ?, state = ?, reason = ?, settled_at = ? WHERE id = ? AND state = 'queued'"),
      keep: db.prepare<[number, number, string | null, string]>("UPDATE outbox_scrobbles SET tries = tries + ?, unanswered = unanswered + ?, reason = COALESCE(?, reason) WHERE id = ? AND state = 'queued'"),
      release: db.prepare<[number, number, number, string, string]>('UPDATE outbox_people SET lease = NULL, sending = NULL, failures = ?, due_at = ?, held = ? WHERE user = ? AND lease = ?'),
      resume: db.prepare<[string, number, string]>('UPDATE outbox_people SET sealed_key = ?, held = 0, failures = 0, due_at = CASE WHEN lease IS NULL THEN MIN(due_at, ?) ELSE due_at END WHERE user = ?'),
      mine: db.prepare<[string], ScrobbleRow>('SELECT * FROM outbox_scrobbles WHERE user = ?'),
      get: db.prepare<[string], ScrobbleRow>('SELECT * FROM outbox_scrobbles WHERE id IN (SELECT value FROM json_each(?))'),
      prune: db.prepare<[number]>('DELETE FROM outbox_scrobbles WHERE settled_at IS NOT NULL AND settled_at < ?'),
      waiting: db.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM outbox_scrobbles WHERE state = 'queued'"),
      waitingOf: db.prepare<[string], { n: number }>("SELECT COUNT(*) AS n FROM outbox_scrobbles WHERE user = ? AND state = 'queued'"),
      // Per person through the queue index: a count, and the front's queued_at for moving queues.
      stats: db.prepare<[], { held: number; n: number; front: number | null }>(
        "SELECT p.held AS held, (SELECT COUNT(*) FROM outbox_scrobbles s WHERE s.user = p.user AND s.state = 'queued') AS n, (SELECT s.queued_at FROM outbox_scrobbles s WHERE s.user = p.user AND s.state = 'queued' ORDER BY s.timestamp, s.queued_at, s.rowid LIMIT 1) AS front FROM outbox_people p",
      ),
    };
  }

  add(user: string, sealedKey: string, items: readonly NewScrobble[], now: number, maxWaiting: number): Promise<void> {
    return this.run(() =>
      this.db.transaction(() => {
        // Counted and written in one IMMEDIATE transaction: two processes cannot both pass the cap.
        const waiting = this.sql.waitingOf.get(user)?.n ?? 0;
        if (waiting + items.length > maxWaiting) throw new OutboxFullError(waiting, maxWaiting);
        this.sql.addPerson.run(user, sealedKey, now);
        for (const item of items) this.sql.addScrobble.run(item.id, user, item.batch, item.artist, item.track, item.album ?? null, item.timestamp, now);
      }).immediate(),
    );
  }

  claim(request: ClaimRequest): Promise<Claim | undefined> {
    return this.run(() =>
      this.db
        .transaction((): Claim | undefined => {
          const person = request.user === undefined ? this.sql.nextDue.get(request.now) : this.sql.person.get(request.user);
          if (person === undefined || !claimable({ held: person.held === 1, lease: person.lease ?? undefined, dueAt: person.due_at }, request)) return undefined;
          if (person.sending !== null) this.sql.markUnanswered.run(person.sending);
          const items = this.sql.queued.all(person.user, request.max).map(fromRow);
          if (items.length === 0) return undefined;
          const token = randomUUID();
          this.sql.lease.run(token, request.now + request.leaseMs, person.user);
          return { user: person.user, token, sealedKey: person.sealed_key, failures: person.failures, items };
        })
        .immediate(),
    );
  }

  renew(claim: Claim, leaseMs: number, now: number, sending: boolean): Promise<boolean> {
    const ids = JSON.stringify(claim.items.map((item) => item.id));
    return this.run(() => this.sql.renew.run(now + leaseMs, sending ? 1 : 0, ids, claim.user, claim.token).changes === 1);
  }

  finish(claim: Claim, outcome: ClaimOutcome, now: number): Promise<void> {
    const settled = new Map(outcome.settled.map((entry) => [entry.id, entry]));
    const tried = outcome.sent ? 1 : 0;
    return this.run(() =>
      this.db.transaction(() => {
        for (const item of claim.items) {
          const end = settled.get(item.id);
          if (end !== undefined) this.sql.settle.run(tried, end.state, end.reason ?? null, now, item.id);
          else this.sql.keep.run(tried, outcome.unanswered ? 1 : 0, outcome.reason ?? null, item.id);
        }
        this.sql.release.run(outcome.failures, outcome.retryAt ?? now, outcome.hold === true ? 1 : 0, claim.user, claim.token);
      })(),
    );
  }

  resume(user: string, sealedKey: string, now: number): Promise<void> {
    return this.run(() => void this.sql.resume.run(sealedKey, now, user));
  }

  view(user: string, recentLimit: number): Promise<OutboxView> {
    return this.run(() => viewOf(this.sql.mine.all(user).map(fromRow), this.sql.person.get(user)?.held === 1, recentLimit));
  }

  get(ids: readonly string[]): Promise<StoredScrobble[]> {
    return this.run(() => this.sql.get.all(JSON.stringify(ids)).map(fromRow));
  }

  prune(before: number): Promise<void> {
    return this.run(() => void this.sql.prune.run(before));
  }

  waitingCount(): Promise<number> {
    return this.run(() => this.sql.waiting.get()?.n ?? 0);
  }

  stats(): Promise<OutboxStats> {
    return this.run(() => {
      const stats: OutboxStats = { queued: 0, held: 0, oldestQueuedAt: undefined };
      for (const row of this.sql.stats.all()) {
        if (row.held === 1) stats.held += row.n;
        else stats.queued += row.n;
        if (row.held !== 1 && row.front !== null && (stats.oldestQueuedAt === undefined || row.front < stats.oldestQueuedAt)) stats.oldestQueuedAt = row.front;
      }
      return stats;
    });
  }

  /** better-sqlite3 is synchronous: a thrown error becomes a rejection, as the other stores give. */
  private run<T>(work: () => T): Promise<T> {
    try {
      return Promise.resolve(work());
    } catch (error) {
      return Promise.reject(asError(error));
    }
  }
}

function fromRow(row: ScrobbleRow): StoredScrobble {
  return {
    id: row.id,
    user: row.user,
    batch: row.batch,
    artist: row.artist,
    track: row.track,
    album: row.album ?? undefined,
    timestamp: row.timestamp,
    state: row.state,
    reason: row.reason ?? undefined,
    unanswered: row.unanswered,
    tries: row.tries,
    queuedAt: row.queued_at,
    settledAt: row.settled_at ?? undefined,
  };
}
