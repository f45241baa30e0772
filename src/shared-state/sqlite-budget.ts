import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { SENT_SLOT_MS, SLOT_WINDOW_MS, answerTime, backgroundSpacingMs, signedOutShare, slotLimit, type BudgetAnswer, type BudgetOptions, type CallBudget, type CallerKind, type CallPriority } from 'lastfm-sign-in';

/**
 * The call budget in the sessions' SQLite file: the SQLite outbox lets several processes share
 * one file, and each with its own budget in memory would together send Last.fm several times the
 * rate. Every process on the file counts the same slots, each take in one IMMEDIATE transaction.
 * The processes share one machine's clock, the file being local. Slots held by sign-in calls are
 * also in budget_signed_out, with the same times, to keep them within their share; budget_marks
 * keeps the last background grant and until when a refused call waits ahead of background ones.
 * The rules of MemoryBudget.take, in the same order.
 */
export class SqliteBudget implements CallBudget {
  private readonly takeSlot: (priority: CallPriority, who: CallerKind) => BudgetAnswer;
  private readonly freeBy_: Database.Statement<[number, string]>;
  private readonly noteAnswer: (slot: string, at: number) => void;
  private readonly freeBySignedOut: Database.Statement<[number, string]>;
  private readonly backOff_: Database.Statement<[number]>;

  constructor(
    db: Database.Database,
    private readonly options: BudgetOptions,
    private readonly now: () => number = Date.now,
  ) {
    db.exec(`CREATE TABLE IF NOT EXISTS budget_slots (slot TEXT PRIMARY KEY, frees_at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS budget_signed_out (slot TEXT PRIMARY KEY, frees_at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS budget_pause (id INTEGER PRIMARY KEY CHECK (id = 1), until INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS budget_marks (name TEXT PRIMARY KEY, at INTEGER NOT NULL)`);
    const paused = db.prepare<[], { until: number }>('SELECT until FROM budget_pause WHERE id = 1');
    const expire = db.prepare<[number]>('DELETE FROM budget_slots WHERE frees_at <= ?');
    const taken = db.prepare<[], { frees_at: number }>('SELECT frees_at FROM budget_slots ORDER BY frees_at');
    const insert = db.prepare<[string, number]>('INSERT INTO budget_slots (slot, frees_at) VALUES (?, ?)');
    const expireSignedOut = db.prepare<[number]>('DELETE FROM budget_signed_out WHERE frees_at <= ?');
    const takenSignedOut = db.prepare<[], { frees_at: number }>('SELECT frees_at FROM budget_signed_out ORDER BY frees_at');
    const insertSignedOut = db.prepare<[string, number]>('INSERT INTO budget_signed_out (slot, frees_at) VALUES (?, ?)');
    const mark = db.prepare<[string], { at: number }>('SELECT at FROM budget_marks WHERE name = ?');
    const setMark = db.prepare<[string, number]>('INSERT INTO budget_marks (name, at) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET at = excluded.at');
    const raiseMark = db.prepare<[string, number]>('INSERT INTO budget_marks (name, at) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET at = MAX(at, excluded.at)');
    const holdMs = options.leaseMs;
    const frees = db.prepare<[string], { frees_at: number }>('SELECT frees_at FROM budget_slots WHERE slot = ?');
    // Never later than it was: a slot's end only comes forward.
    this.freeBy_ = db.prepare('UPDATE budget_slots SET frees_at = MIN(frees_at, ?) WHERE slot = ?');
    this.freeBySignedOut = db.prepare('UPDATE budget_signed_out SET frees_at = MIN(frees_at, ?) WHERE slot = ?');
    this.backOff_ = db.prepare('INSERT INTO budget_pause (id, until) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET until = MAX(until, excluded.until)');
    const take = db.transaction((priority: CallPriority, who: CallerKind): BudgetAnswer => {
      const at = this.now();
      const spacing = backgroundSpacingMs(options.perSecond, options.countFrom, mark.get('answer-ms')?.at);
      const pausedUntil = paused.get()?.until ?? 0;
      if (pausedUntil > at) return { ok: false, retryInMs: pausedUntil - at, pausedMs: pausedUntil - at };
      expire.run(at);
      expireSignedOut.run(at);
      if (priority === 'background') {
        const wait = Math.max(mark.get('waiting-until')?.at ?? 0, (mark.get('background-at')?.at ?? Number.NEGATIVE_INFINITY) + spacing) - at;
        if (wait > 0) return { ok: false, retryInMs: wait, pausedMs: 0 };
      }
      // A sign-in refused for its share alone would wait as long with every other slot free: it marks nothing.
      if (who === 'signed-out') {
        const signedOut = takenSignedOut.all().map((row) => row.frees_at);
        const share = signedOutShare(this.options.perSecond);
        if (signedOut.length >= share) return refusal(signedOut, share, at);
      }
      const held = taken.all().map((row) => row.frees_at);
      const limit = slotLimit(this.options.perSecond, priority);
      if (held.length >= limit) {
        const answer = refusal(held, limit, at);
        if (priority !== 'background') raiseMark.run('waiting-until', at + answer.retryInMs + spacing);
        return answer;
      }
      const slot = randomUUID();
      if (who === 'signed-out') insertSignedOut.run(slot, at + holdMs);
      insert.run(slot, at + holdMs);
      if (priority === 'background') setMark.run('background-at', at);
      return { ok: true, slot };
    });
    this.takeSlot = (priority, who) => take.immediate(priority, who);
    // Until its answer a slot counted from the answer ends at its grant plus the lease.
    const answered = db.transaction((slot: string, at: number) => {
      const freesAt = frees.get(slot)?.frees_at;
      if (freesAt !== undefined) setMark.run('answer-ms', answerTime(mark.get('answer-ms')?.at, Math.max(0, at - (freesAt - options.leaseMs))));
    });
    this.noteAnswer = (slot, at) => answered.immediate(slot, at);
  }

  take(priority: CallPriority, who: CallerKind): Promise<BudgetAnswer> {
    try {
      return Promise.resolve(this.takeSlot(priority, who));
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error('the budget could not be read'));
    }
  }

  sending(slot: string): Promise<void> {
    return this.options.countFrom === 'send' ? this.freeBy(slot, this.now() + SENT_SLOT_MS) : Promise.resolve();
  }

  release(slot: string): Promise<void> {
    const at = this.now();
    try {
      if (this.options.countFrom !== 'send') this.noteAnswer(slot, at);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error('the budget could not be written'));
    }
    return this.freeBy(slot, at + SLOT_WINDOW_MS);
  }

  private freeBy(slot: string, at: number): Promise<void> {
    try {
      this.freeBy_.run(at, slot);
      this.freeBySignedOut.run(at, slot);
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
function refusal(frees: number[], limit: number, at: number): Extract<BudgetAnswer, { ok: false }> {
  const needed = frees[frees.length - limit] ?? at;
  return { ok: false, retryInMs: Math.max(1, needed - at), pausedMs: 0 };
}
