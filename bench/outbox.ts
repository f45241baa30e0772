import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { MAX_SCROBBLES_PER_CALL, SLOT_WINDOW_MS, slotLimit } from 'lastfm-sign-in';
import { loadConfig } from '../src/config';
import type { NewScrobble } from '../src/outbox/outbox-store';
import { keyContext } from '../src/outbox/delivery';
import { SqliteOutbox } from '../src/outbox/sqlite-outbox';
import { sealerFor } from '../src/stores/key-sealer';
import { createSqliteBackend } from '../src/stores/sqlite-backend';
import { startChild, type ChildServer } from './child';
import { standInEnv } from './strict-stand-in';

/**
 * Issue 12's benchmark: 10,000 scrobbles waiting in the default (SQLite) outbox for 100 people,
 * drained by one real app process (bench/instance-server.ts) through the default budget into the
 * strict stand-in (5 arrivals a second, error 29 beyond) in its own process.
 *
 * The scrobbles are written straight into the outbox with its store API while the app is stopped,
 * then the app starts on that file: the case of an app restarted after Last.fm was away. Signing
 * 100 people in through the web flow would cost 100 calls of the same budget and start each
 * person's queue at write priority; what is measured here is the delivery loop alone.
 */

const PER_SECOND = 5;
const SESSION_SECRET = 'outbox-bench-session-secret-0123456789abcdef';
const SQLITE_FILE = 'sessions.sqlite';
const SAMPLE_MS = 200;

export interface OutboxDrainResult {
  people: number;
  scrobbles: number;
  /** Scrobble calls the stand-in received, and how many 50 to a call needs. */
  scrobbleCalls: number;
  callsNeeded: number;
  /** Slots the background priority may hold at once under the default budget. */
  backgroundSlots: number;
  /** From the app's start to the moment the stand-in held every scrobble. */
  drainSeconds: number;
  /** From the first scrobble call the stand-in counted to the moment it held every scrobble. */
  firstToLastSeconds: number;
  predictedSeconds: number;
  scrobblesAtStandIn: number;
  distinctAtStandIn: number;
  /** States in the outbox after the drain (settled scrobbles stay a day for the home page). */
  outboxStates: Record<string, number>;
  errors29: number;
  busiestSecond: number;
  queueSeconds: number;
  /** The SQLite file plus its -wal: before queueing, right after, and once checkpointed. */
  fileBytesBefore: number;
  fileBytesQueued: number;
  fileBytesCheckpointed: number;
  fileBytesAfterDrain: number;
  /** Of which the -wal: it keeps its largest size until checkpointed with TRUNCATE. */
  walBytesAfterDrain: number;
  rssIdleBytes: number;
  rssMedianBytes: number;
  rssPeakBytes: number;
  rssSamples: number;
  loadAverage: number;
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

function bytesOnDisk(dataDir: string): number {
  return sizeOf(path.join(dataDir, SQLITE_FILE)) + sizeOf(path.join(dataDir, `${SQLITE_FILE}-wal`));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** The scrobbles' queue as the app opens it, from the same DATA_DIR and secret. */
function openOutbox(env: Record<string, string>) {
  const config = loadConfig({ ...process.env, ...env, NODE_ENV: 'test', HOST: '127.0.0.1', PORT: '3000' });
  const backend = createSqliteBackend(config);
  const db = backend.sqlite;
  if (db === undefined) throw new Error('the SQLite backend has no database');
  return { config, backend, db, store: new SqliteOutbox(db) };
}

/** `count` scrobbles for `person`, played one every three minutes up to an hour ago. */
function scrobblesOf(person: string, count: number, nowSeconds: number): NewScrobble[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `${person}-${i}`,
    batch: `${person}-batch`,
    artist: `Bench Artist ${i % 17}`,
    track: `Bench Track ${i}`,
    album: `Bench Album ${i % 5}`,
    timestamp: nowSeconds - 3600 - i * 180,
  }));
}

export async function measureOutboxDrain(people = 100, perPerson = 100): Promise<OutboxDrainResult> {
  const scrobbles = people * perPerson;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'outbox-bench-'));
  const standIn = await startChild('stand-in-server.js', [String(PER_SECOND)]);
  let app: ChildServer | undefined;
  try {
    const standInOrigin = `http://127.0.0.1:${standIn.port}`;
    const env = { ...standInEnv(standIn.port), SESSION_STORE: 'sqlite', DATA_DIR: dataDir, SESSION_SECRET };
    const names = Array.from({ length: people }, (_, i) => `bench-listener-${String(i).padStart(3, '0')}`);
    const keys: string[] = [];
    for (const name of names) {
      const res = await fetch(`${standInOrigin}/bench/session-key?user=${encodeURIComponent(name)}`, { method: 'POST' });
      if (!res.ok) throw new Error(`the stand-in answered ${res.status} for a session key`);
      keys.push(await res.text());
    }

    // The app idle, on the same (empty) file, as the yardstick for its RSS while draining.
    app = await startChild('instance-server.js', [], env);
    const idle: number[] = [];
    for (let i = 0; i < 10; i += 1) {
      await sleep(SAMPLE_MS);
      idle.push(await app.rss(false));
    }
    await app.stop();
    app = undefined;

    const outbox = openOutbox(env);
    outbox.db.pragma('wal_checkpoint(TRUNCATE)');
    const fileBytesBefore = bytesOnDisk(dataDir);
    const sealer = sealerFor(outbox.config);
    const queueStarted = performance.now();
    const nowSeconds = Math.floor(Date.now() / 1000);
    for (const [i, name] of names.entries()) {
      // The context ScrobbleOutbox seals each person's key under (its keyContext): another opens nothing.
      await outbox.store.add(name, sealer.seal(keys[i] ?? '', keyContext(name)), scrobblesOf(name, perPerson, nowSeconds), Date.now(), Number.MAX_SAFE_INTEGER);
    }
    const queueSeconds = (performance.now() - queueStarted) / 1000;
    const fileBytesQueued = bytesOnDisk(dataDir);
    outbox.db.pragma('wal_checkpoint(TRUNCATE)');
    const fileBytesCheckpointed = bytesOnDisk(dataDir);
    if ((await outbox.store.waitingCount()) !== scrobbles) throw new Error('the outbox does not hold every scrobble');
    await outbox.backend.close();

    const callsNeeded = people * Math.ceil(perPerson / MAX_SCROBBLES_PER_CALL);
    const backgroundSlots = slotLimit(PER_SECOND, 'background');
    // Each slot is held for its call and one window after the answer; the calls' own time is left out.
    const predictedSeconds = (callsNeeded / backgroundSlots) * (SLOT_WINDOW_MS / 1000);
    const before = await standIn.stats();
    const started = performance.now();
    app = await startChild('instance-server.js', [], env);
    const rss: number[] = [];
    let firstCallAt: number | undefined;
    let counted = before;
    const giveUpAt = started + (predictedSeconds * 3 + 60) * 1000;
    let drainedAt: number | undefined;
    while (drainedAt === undefined) {
      if (performance.now() > giveUpAt) throw new Error(`the outbox did not drain: ${counted.scrobblesStored ?? 0} of ${scrobbles} at the stand-in`);
      await sleep(SAMPLE_MS);
      rss.push(await app.rss(false));
      counted = await standIn.stats();
      if (firstCallAt === undefined && (counted['track.scrobble'] ?? 0) > (before['track.scrobble'] ?? 0)) firstCallAt = performance.now();
      if ((counted.scrobblesStored ?? 0) >= scrobbles) drainedAt = performance.now();
    }
    // The stand-in holds them all; the app records the last answer a moment later.
    const watcher = new Database(path.join(dataDir, SQLITE_FILE), { readonly: true });
    try {
      const waiting = watcher.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM outbox_scrobbles WHERE state = 'queued'");
      while ((waiting.get()?.n ?? 0) > 0) {
        if (performance.now() > giveUpAt) throw new Error('the app did not record every answer');
        await sleep(SAMPLE_MS);
      }
    } finally {
      watcher.close();
    }
    await app.stop();
    app = undefined;

    const after = openOutbox(env);
    const outboxStates = Object.fromEntries(after.db.prepare<[], { state: string; n: number }>('SELECT state, COUNT(*) AS n FROM outbox_scrobbles GROUP BY state').all().map((row) => [row.state, row.n]));
    const fileBytesAfterDrain = bytesOnDisk(dataDir);
    const walBytesAfterDrain = sizeOf(path.join(dataDir, `${SQLITE_FILE}-wal`));
    await after.backend.close();

    return {
      people,
      scrobbles,
      scrobbleCalls: (counted['track.scrobble'] ?? 0) - (before['track.scrobble'] ?? 0),
      callsNeeded,
      backgroundSlots,
      drainSeconds: (drainedAt - started) / 1000,
      firstToLastSeconds: (drainedAt - (firstCallAt ?? started)) / 1000,
      predictedSeconds,
      scrobblesAtStandIn: counted.scrobblesStored ?? 0,
      distinctAtStandIn: counted.scrobblesDistinct ?? 0,
      outboxStates,
      errors29: (counted.refusedWith29 ?? 0) - (before.refusedWith29 ?? 0),
      busiestSecond: counted.busiestSecond ?? 0,
      queueSeconds,
      fileBytesBefore,
      fileBytesQueued,
      fileBytesCheckpointed,
      fileBytesAfterDrain,
      walBytesAfterDrain,
      rssIdleBytes: median(idle),
      rssMedianBytes: median(rss),
      rssPeakBytes: Math.max(...rss),
      rssSamples: rss.length,
      loadAverage: os.loadavg()[0] ?? Number.NaN,
    };
  } finally {
    await app?.stop();
    await standIn.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
