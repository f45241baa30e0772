import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { SLOT_WINDOW_MS, signedOutShare, slotLimit, type BudgetAnswer, type BudgetOptions, type CallBudget, type CallerKind, type CallPriority } from 'lastfm-sign-in';

/**
 * The call budget in the sessions' SQLite file: the SQLite outbox lets several processes share
 * one file, and each with its own budget in memory would together send Last.fm several times the
 * rate. Every process on the file counts the same slots, each take in one IMMEDIATE transaction.
 * The processes share one machine's clock, the file being local. Slots held by sign-in calls are
 * also in budget_signed_out, with the same times, to keep them within their share.
 */
export class SqliteBudget implements CallBudget {
  private readonly takeSlot: (priority: CallPriority, who: CallerKind) => BudgetAnswer;
  private readonly release_: Database.Statement<[number, string]>;
  private readonly releaseSignedOut: Database.Statement<[number, string]>;
  private readonly backOff_: Database.Statement<[number]>;

  constructor(
    db: Database.Database,
    private readonly options: BudgetOptions,
    private readonly now: () => number = Date.now,
  ) {
    db.exec(`CREATE TABLE IF NOT EXISTS budget_slots (slot TEXT PRIMARY KEY, frees_at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS budget_signed_out (slot TEXT PRIMARY KEY, frees_at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS budget_pause (id INTEGER PRIMARY KEY CHECK (id = 1), until INTEGER NOT NULL)`);
    const paused = db.prepare<[], { until: number }>('SELECT until FROM budget_pause WHERE id = 1');
    const expire = db.prepare<[number]>('DELETE FROM budget_slots WHERE frees_at <= ?');
    const taken = db.prepare<[], { frees_at: number }>('SELECT frees_at FROM budget_slots ORDER BY frees_at');
    const insert = db.prepare<[string, number]>('INSERT INTO budget_slots (slot, frees_at) VALUES (?, ?)');
    const expireSignedOut = db.prepare<[number]>('DELETE FROM budget_signed_out WHERE frees_at <= ?');
    const takenSignedOut = db.prepare<[], { frees_at: number }>('SELECT frees_at FROM budget_signed_out ORDER BY frees_at');
    const insertSignedOut = db.prepare<[string, number]>('INSERT INTO budget_signed_out (slot, frees_at) VALUES (?, ?)');
    this.release_ = db.prepare('UPDATE budget_slots SET frees_at = ? WHERE slot = ?');
    this.releaseSignedOut = db.prepare('UPDATE budget_signed_out SET frees_at = ? WHERE slot = ?');
    this.backOff_ = db.prepare('INSERT INTO budget_pause (id, until) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET until = MAX(until, excluded.until)');
    const take = db.transaction((priority: CallPriority, who: CallerKind): BudgetAnswer => {
      const at = this.now();
      const pausedUntil = paused.get()?.until ?? 0;
      if (pausedUntil > at) return { ok: false, retryInMs: pausedUntil - at, pausedMs: pausedUntil - at };
      expire.run(at);
      const frees = taken.all().map((row) => row.frees_at);
      const limit = slotLimit(this.options.perSecond, priority);
      if (frees.length >= limit) return refusal(frees, limit, at);
      const slot = randomUUID();
      if (who === 'signed-out') {
        expireSignedOut.run(at);
        const signedOut = takenSignedOut.all().map((row) => row.frees_at);
        const share = signedOutShare(this.options.perSecond);
        if (signedOut.length >= share) return refusal(signedOut, share, at);
        insertSignedOut.run(slot, at + this.options.leaseMs);
      }
      insert.run(slot, at + this.options.leaseMs);
      return { ok: true, slot };
    });
    this.takeSlot = (priority, who) => take.immediate(priority, who);
  }

  take(priority: CallPriority, who: CallerKind): Promise<BudgetAnswer> {
    try {
      return Promise.resolve(this.takeSlot(priority, who));
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error('the budget could not be read'));
    }
  }

  release(slot: string): Promise<void> {
    try {
      this.release_.run(this.now() + SLOT_WINDOW_MS, slot);
      this.releaseSignedOut.run(this.now() + SLOT_WINDOW_MS, slot);
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error('the budget could not be written'));
    }
  }

  backOff(ms: number): Promise<void> {
    try {
      this.backOff_.run(this.now() + ms);
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error('the budget could not be written'));
    }
  }
}

/** No slot while `limit` of these (times they free, soonest first) are taken: the soonest moment enough have freed. */
function refusal(frees: number[], limit: number, at: number): BudgetAnswer {
  const needed = frees[frees.length - limit] ?? at;
  return { ok: false, retryInMs: Math.max(1, needed - at), pausedMs: 0 };
}
