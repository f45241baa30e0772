import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { claimable } from './memory-outbox';
import { KEEP_SETTLED_MS, type BatchProgress, type Claim, type ClaimOutcome, type ClaimRequest, type NewScrobble, type OutboxPage, type OutboxStats, type OutboxStore, type OutboxView, type ScrobbleState, type StoredScrobble } from './outbox-store';
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
    const hadSends = db.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'outbox_sends'").get()?.n === 1;
    db.exec(`
      CREATE TABLE IF NOT EXISTS outbox_people (user TEXT PRIMARY KEY, sealed_key TEXT NOT NULL, held INTEGER NOT NULL DEFAULT 0, due_at INTEGER NOT NULL, lease TEXT, failures INTEGER NOT NULL DEFAULT 0, sending TEXT);
      CREATE TABLE IF NOT EXISTS outbox_scrobbles (id TEXT PRIMARY KEY, user TEXT NOT NULL, batch TEXT NOT NULL, artist TEXT NOT NULL, track TEXT NOT NULL, album TEXT, timestamp INTEGER NOT NULL, state TEXT NOT NULL, reason TEXT, unanswered INTEGER NOT NULL DEFAULT 0, tries INTEGER NOT NULL DEFAULT 0, queued_at INTEGER NOT NULL, settled_at INTEGER);
      CREATE INDEX IF NOT EXISTS outbox_scrobbles_queue ON outbox_scrobbles (user, state, timestamp);
      CREATE INDEX IF NOT EXISTS outbox_scrobbles_settled ON outbox_scrobbles (settled_at) WHERE settled_at IS NOT NULL;
      CREATE INDEX IF NOT EXISTS outbox_people_due ON outbox_people (due_at);
      CREATE INDEX IF NOT EXISTS outbox_scrobbles_answered ON outbox_scrobbles (user, settled_at) WHERE settled_at IS NOT NULL;
      CREATE TABLE IF NOT EXISTS outbox_sends (user TEXT NOT NULL, batch TEXT NOT NULL, total INTEGER NOT NULL DEFAULT 0, done INTEGER NOT NULL DEFAULT 0, accepted INTEGER NOT NULL DEFAULT 0, ignored INTEGER NOT NULL DEFAULT 0, failed INTEGER NOT NULL DEFAULT 0, queued_at INTEGER NOT NULL, PRIMARY KEY (user, batch));
      CREATE INDEX IF NOT EXISTS outbox_sends_draining ON outbox_sends (user, queued_at) WHERE done < total;
    `);
    // A file from before holds were timed: a hold under way counts from now.
    if (!(db.prepare<[], { name: string }>('PRAGMA table_info(outbox_people)').all().some((column) => column.name === 'held_since'))) {
      db.exec('ALTER TABLE outbox_people ADD COLUMN held_since INTEGER');
      db.prepare<[number]>('UPDATE outbox_people SET held_since = ? WHERE held = 1').run(Date.now());
    }
    // A file from before the sends were counted: count what it holds, once.
    if (!hadSends) {
      db.exec(`INSERT OR IGNORE INTO outbox_sends (user, batch, total, done, accepted, ignored, failed, queued_at)
        SELECT user, batch, COUNT(*), SUM(state <> 'queued'), SUM(state = 'accepted'), SUM(state = 'ignored'), SUM(state = 'failed'), MIN(queued_at) FROM outbox_scrobbles GROUP BY user, batch`);
    }
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
      // held, then held again for held_since: a hold keeps the time it began.
      release: db.prepare<[number, number, number, number, number, string, string]>(
        'UPDATE outbox_people SET lease = NULL, sending = NULL, failures = ?, due_at = ?, held = ?, held_since = CASE WHEN ? = 1 THEN COALESCE(held_since, ?) END WHERE user = ? AND lease = ?',
      ),
      resume: db.prepare<[string, number, string]>('UPDATE outbox_people SET sealed_key = ?, held = 0, held_since = NULL, failures = 0, due_at = CASE WHEN lease IS NULL THEN MIN(due_at, ?) ELSE due_at END WHERE user = ?'),
      // Ranged through the queue and answered indexes, in their own order (rowid is the order queued), so a page reads its own rows however long the list.
      queuedPage: db.prepare<[string, number, number], ScrobbleRow>("SELECT * FROM outbox_scrobbles WHERE user = ? AND state = 'queued' ORDER BY timestamp DESC, rowid DESC LIMIT ? OFFSET ?"),
      answeredPage: db.prepare<[string, number, number, number], ScrobbleRow>('SELECT * FROM outbox_scrobbles WHERE user = ? AND settled_at IS NOT NULL AND settled_at >= ? ORDER BY settled_at DESC, rowid DESC LIMIT ? OFFSET ?'),
      answeredOf: db.prepare<[string, number], { n: number }>('SELECT COUNT(*) AS n FROM outbox_scrobbles WHERE user = ? AND settled_at IS NOT NULL AND settled_at >= ?'),
      draining: db.prepare<[string], SendRow>('SELECT * FROM outbox_sends WHERE user = ? AND done < total ORDER BY queued_at LIMIT 100'),
      addSend: db.prepare<[string, string, number, number]>('INSERT INTO outbox_sends (user, batch, total, queued_at) VALUES (?, ?, ?, ?) ON CONFLICT (user, batch) DO UPDATE SET total = total + excluded.total'),
      sendDone: db.prepare<[number, number, number, string, string]>('UPDATE outbox_sends SET done = done + 1, accepted = accepted + ?, ignored = ignored + ?, failed = failed + ? WHERE user = ? AND batch = ?'),
      pruneSends: db.prepare('DELETE FROM outbox_sends WHERE done >= total'),
      heldTooLong: db.prepare<[number], { user: string }>('SELECT user FROM outbox_people WHERE held = 1 AND held_since < ?'),
      forgetIfDone: db.prepare<[string, string]>("DELETE FROM outbox_people WHERE user = ? AND lease IS NULL AND NOT EXISTS (SELECT 1 FROM outbox_scrobbles WHERE user = ? AND state = 'queued')"),
      discardQueued: db.prepare<[string]>("DELETE FROM outbox_scrobbles WHERE user = ? AND state = 'queued'"),
      discardSends: db.prepare<[string]>('DELETE FROM outbox_sends WHERE user = ? AND done < total'),
      discardPerson: db.prepare<[string]>('DELETE FROM outbox_people WHERE user = ?'),
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
        const sends = new Map<string, number>();
        for (const item of items) {
          this.sql.addScrobble.run(item.id, user, item.batch, item.artist, item.track, item.album ?? null, item.timestamp, now);
          sends.set(item.batch, (sends.get(item.batch) ?? 0) + 1);
        }
        for (const [batch, total] of sends) this.sql.addSend.run(user, batch, total, now);
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
          if (end !== undefined) {
            if (this.sql.settle.run(tried, end.state, end.reason ?? null, now, item.id).changes === 1) {
              this.sql.sendDone.run(end.state === 'accepted' ? 1 : 0, end.state === 'ignored' ? 1 : 0, end.state === 'failed' ? 1 : 0, item.user, item.batch);
            }
          } else this.sql.keep.run(tried, outcome.unanswered ? 1 : 0, outcome.reason ?? null, item.id);
        }
        if (this.sql.release.run(outcome.failures, outcome.retryAt ?? now, outcome.hold === true ? 1 : 0, outcome.hold === true ? 1 : 0, now, claim.user, claim.token).changes === 1) this.sql.forgetIfDone.run(claim.user, claim.user);
      })(),
    );
  }

  discard(user: string): Promise<number> {
    return this.run(() =>
      this.db
        .transaction(() => {
          const dropped = this.sql.discardQueued.run(user).changes;
          this.sql.discardSends.run(user);
          this.sql.discardPerson.run(user);
          return dropped;
        })
        .immediate(),
    );
  }

  resume(user: string, sealKey: () => string, now: number): Promise<void> {
    return this.run(() => {
      // One connection, synchronous: nobody adds the person between the look and the update.
      if (this.sql.person.get(user) !== undefined) this.sql.resume.run(sealKey(), now, user);
    });
  }

  view(user: string, page: OutboxPage, now: number): Promise<OutboxView> {
    const keptSince = now - KEEP_SETTLED_MS;
    return this.run(() =>
      this.db.transaction((): OutboxView => {
        const waiting = this.sql.waitingOf.get(user)?.n ?? 0;
        const settled = this.sql.answeredOf.get(user, keptSince)?.n ?? 0;
        const queued = page.offset < waiting ? this.sql.queuedPage.all(user, page.limit, page.offset) : [];
        const more = page.limit - queued.length;
        const answered = more > 0 ? this.sql.answeredPage.all(user, keptSince, more, Math.max(0, page.offset - waiting)) : [];
        const batches = this.sql.draining.all(user).map(sendOf);
        const waitingReason = waiting > 0 ? (this.sql.queued.get(user, 1)?.reason ?? undefined) : undefined;
        return { waiting, settled, held: this.sql.person.get(user)?.held === 1, offset: page.offset, recent: [...queued, ...answered].map(fromRow), batches, waitingReason };
      })(),
    );
  }

  get(ids: readonly string[]): Promise<StoredScrobble[]> {
    return this.run(() => this.sql.get.all(JSON.stringify(ids)).map(fromRow));
  }

  async prune(before: number, heldBefore: number): Promise<void> {
    for (const { user } of await this.run(() => this.sql.heldTooLong.all(heldBefore))) await this.discard(user);
    return this.run(() => {
      this.sql.prune.run(before);
      this.sql.pruneSends.run();
    });
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

interface SendRow {
  batch: string;
  total: number;
  done: number;
  accepted: number;
  ignored: number;
  failed: number;
  queued_at: number;
}

function sendOf(row: SendRow): BatchProgress {
  return { batch: row.batch, total: row.total, done: row.done, accepted: row.accepted, ignored: row.ignored, failed: row.failed, queuedAt: row.queued_at };
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
