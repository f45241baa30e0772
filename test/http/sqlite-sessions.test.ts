import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import request from 'supertest';
import type { SessionData } from 'express-session';
import { SENT_SLOT_MS, SLOT_WINDOW_MS, backgroundSpacingMs, type CallBudget } from 'lastfm-sign-in';
import type { Config } from '../../src/config';
import type { SessionBackend } from '../../src/stores/backend';
import { createSharedState } from '../../src/shared-state/create-shared-state';
import { createSqliteBackend, SQLITE_FILE } from '../../src/stores/sqlite-backend';
import { SqliteSessionStore } from '../../src/stores/sqlite-store';
import { buildApp, fakeConfig, TEST_SESSION_SECRET } from '../helpers/app';
import { FakeLastfm } from '../helpers/fake-lastfm';
import { sessionIdOf, signInAs, storedKey } from '../helpers/sign-in';

let fake: FakeLastfm;
let dataDir: string;
const opened: SessionBackend[] = [];

beforeEach(async () => {
  fake = await new FakeLastfm().start();
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'lastfm-sqlite-'));
});

afterEach(async () => {
  for (const backend of opened.splice(0)) await backend.close();
  await fake.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

function sqliteConfig(env: Record<string, string> = {}): Config {
  return fakeConfig(fake, { SESSION_STORE: 'sqlite', DATA_DIR: dataDir, ...env });
}

function openApp(config: Config) {
  const sessions = createSqliteBackend(config);
  opened.push(sessions);
  return { ...buildApp(config, { sessions }), sessions };
}

async function closeApp(sessions: SessionBackend): Promise<void> {
  opened.splice(opened.indexOf(sessions), 1);
  await sessions.close();
}

function storedRows(): { sid: string; sess: string }[] {
  const db = new Database(path.join(dataDir, SQLITE_FILE), { readonly: true });
  try {
    return db.prepare<[], { sid: string; sess: string }>('SELECT sid, sess FROM sessions').all();
  } finally {
    db.close();
  }
}


describe('SQLite session store', () => {
  it('creates DATA_DIR and its database file on first start, in WAL mode', () => {
    const nested = path.join(dataDir, 'not', 'yet');
    openApp(sqliteConfig({ DATA_DIR: nested }));
    const db = new Database(path.join(nested, SQLITE_FILE), { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('keeps the database and its -wal and -shm files readable by their owner only, even under a lax umask', async () => {
    const umask = process.umask(0o022);
    try {
      const { app } = openApp(sqliteConfig());
      await signInAs(app, fake, 'rj');
    } finally {
      process.umask(umask);
    }
    const files = readdirSync(dataDir).filter((name) => name.startsWith(SQLITE_FILE));
    expect(files.sort()).toEqual([SQLITE_FILE, `${SQLITE_FILE}-shm`, `${SQLITE_FILE}-wal`]);
    for (const name of files) expect({ name, mode: statSync(path.join(dataDir, name)).mode & 0o777 }).toEqual({ name, mode: 0o600 });
  });

  it('tightens a database file an older version left readable by everyone', () => {
    const file = path.join(dataDir, SQLITE_FILE);
    new Database(file).close();
    chmodSync(file, 0o644);
    openApp(sqliteConfig());
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('keeps a person signed in when the store is closed and opened again, and stores the session key only sealed', async () => {
    const config = sqliteConfig();
    const first = openApp(config);
    const cookie = await signInAs(first.app, fake, 'rj');
    const [issuedKey] = [...fake.sessionKeys.keys()];
    expect(issuedKey).toBeDefined();
    await closeApp(first.sessions);

    const rows = storedRows();
    expect(rows).toHaveLength(1);
    expect(rows[0]?.sess).toContain('"name":"rj"');
    expect(rows[0]?.sess).toContain('sealedKey');
    expect(rows[0]?.sess).not.toContain(issuedKey);
    expect(rows[0]?.sess).not.toContain('fake-sk-');

    const second = openApp(config);
    const home = await request(second.app).get('/').set('Cookie', cookie).expect(200);
    expect(home.text).toContain('Hello, rj');
    expect(await storedKey(second.sessions.store, sessionIdOf(cookie))).toBe(issuedKey);
  });

  it('gives cookie and row the same rolling SESSION_TTL', async () => {
    const { app } = openApp(sqliteConfig({ SESSION_TTL: '2h' }));
    const cookie = await signInAs(app, fake, 'rj');
    const home = await request(app).get('/').set('Cookie', cookie).expect(200);
    const expires = Date.parse(/Expires=([^;]+)/.exec(String(home.headers['set-cookie']))?.[1] ?? '');
    expect(Math.abs(expires - (Date.now() + 7_200_000))).toBeLessThan(10_000);
    const db = new Database(path.join(dataDir, SQLITE_FILE), { readonly: true });
    const row = db.prepare<[], { expires: number }>('SELECT expires FROM sessions').get();
    db.close();
    expect(Math.abs((row?.expires ?? 0) - (Date.now() + 7_200_000))).toBeLessThan(10_000);
  });

  it('keeps sessions made under the old secret working after rotation, and writes with the new one', async () => {
    const first = openApp(sqliteConfig());
    const cookie = await signInAs(first.app, fake, 'rj');
    await closeApp(first.sessions);

    const newSecret = 'a-brand-new-session-secret-0123456789xyz';
    const rotated = openApp(sqliteConfig({ SESSION_SECRET: `${newSecret},${TEST_SESSION_SECRET}` }));
    const home = await request(rotated.app).get('/').set('Cookie', cookie).expect(200);
    expect(home.text).toContain('Hello, rj');
    // The cookie is signed again with the newest secret, and the key opens with the old one.
    const renewed = /lastfm_signin\.sid=([^;]+)/.exec(String(home.headers['set-cookie']))?.[1];
    expect(renewed).toBeDefined();
    expect(renewed).not.toBe(cookie.slice(cookie.indexOf('=') + 1));
    expect(await storedKey(rotated.sessions.store, sessionIdOf(cookie))).toMatch(/^fake-sk-rj-/);

    // Sessions signed in now are sealed under the new secret only: without it they do not open.
    const fresh = await signInAs(rotated.app, fake, 'ada');
    await closeApp(rotated.sessions);
    const oldOnly = openApp(sqliteConfig({ SESSION_SECRET: TEST_SESSION_SECRET }));
    expect(await storedKey(oldOnly.sessions.store, sessionIdOf(fresh))).toBeUndefined();
  });

  it('treats a key sealed under an unknown secret as signed out, not as an error', async () => {
    const first = openApp(sqliteConfig({ ENCRYPTION_KEY: 'encryption-key-that-will-be-lost-0123456789' }));
    const cookie = await signInAs(first.app, fake, 'rj');
    await closeApp(first.sessions);

    const second = openApp(sqliteConfig({ ENCRYPTION_KEY: 'a-different-encryption-key-0123456789abcd' }));
    const home = await request(second.app).get('/').set('Cookie', cookie).expect(200);
    expect(home.text).toContain('Sign in with Last.fm');
    expect(home.text).not.toContain('Hello, rj');
  });

  it('keeps a session whole under many concurrent requests', async () => {
    const { app } = openApp(sqliteConfig());
    const cookie = await signInAs(app, fake, 'rj');
    const pages = await Promise.all(Array.from({ length: 25 }, () => request(app).get('/').set('Cookie', cookie)));
    expect(pages.map((p) => p.status)).toEqual(Array.from({ length: 25 }, () => 200));
    expect(pages.every((p) => p.text.includes('Hello, rj'))).toBe(true);
    expect((await request(app).get('/').set('Cookie', cookie).expect(200)).text).toContain('Hello, rj');
    expect(storedRows()).toHaveLength(1);
  });

  it('forgets idle sessions past their lifetime and prunes them in batches, leaving live ones', async () => {
    let clock = Date.now();
    const db = new Database(path.join(dataDir, SQLITE_FILE));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    const store = new SqliteSessionStore(db, { ttlMs: 60_000, now: () => clock });
    const cookie = { originalMaxAge: 60_000, maxAge: 60_000 } as unknown as SessionData['cookie'];
    for (let i = 0; i < 1200; i += 1) store.set(`old-${i}`, { cookie } as SessionData);
    clock += 120_000;
    // Idle past its lifetime, a session is gone even before the pruner has run.
    const expired = await new Promise<SessionData | null | undefined>((resolve) => store.get('old-0', (_e, session) => resolve(session)));
    expect(expired).toBeNull();
    store.set('live', { cookie } as SessionData);
    const deleted = await new Promise<number>((resolve) => store.prune(resolve));
    expect(deleted).toBe(1200);
    const left = await new Promise<number | undefined>((resolve) => store.length((_e, n) => resolve(n)));
    expect(left).toBe(1);
    store.close();
  });

  it('answers /readyz while the database is open and 503 with the reason once it is not', async () => {
    const { app, sessions } = openApp(sqliteConfig());
    expect((await request(app).get('/readyz').expect(200)).body).toEqual({ status: 'ready' });
    await closeApp(sessions);
    const res = await request(app).get('/readyz').expect(503);
    const body = res.body as { status: string; reason: string };
    expect(body.status).toBe('unavailable');
    expect(body.reason).toBe('session store: not answering');
  });

  it('shows a 503 page, not a 500, when the store fails under a request', async () => {
    const { app, sessions } = openApp(sqliteConfig());
    const cookie = await signInAs(app, fake, 'rj');
    await closeApp(sessions);
    const res = await request(app).get('/').set('Cookie', cookie).expect(503);
    expect(res.text).toContain('Sessions are unavailable');
    expect(res.text).toContain('Try again shortly');
  });
});

/** Two budgets on one SQLite file, as two processes would open it; on `clock.now` when given. */
function budgetsOfTwoProcesses(env: Record<string, string>, clock?: { now: number }): [CallBudget, CallBudget] {
  const config = sqliteConfig(env);
  return [createSqliteBackend(config), createSqliteBackend(config)].map((sessions) => {
    opened.push(sessions);
    return createSharedState(config, sessions, clock === undefined ? {} : { budgetNow: () => clock.now }).budget;
  }) as [CallBudget, CallBudget];
}

describe('several processes on one SQLite file', () => {
  it('share one call budget: together they take no more slots a second than LASTFM_RATE_LIMIT', async () => {
    const budgets = budgetsOfTwoProcesses({ LASTFM_RATE_LIMIT: '5' });
    const answers = [];
    for (let i = 0; i < 10; i += 1) answers.push(await budgets[i % 2]?.take('write', 'signed-in'));
    expect(answers.filter((answer) => answer?.ok)).toHaveLength(5);
    await budgets[0].backOff(60_000);
    const paused = await budgets[1].take('sign-in', 'signed-out');
    expect(paused).toMatchObject({ ok: false });
    expect(!paused.ok && paused.pausedMs).toBeGreaterThan(50_000);
  });

  it('keep sign-in calls of every process within 2 of the 5 slots, the other 3 for signed-in calls', async () => {
    const budgets = budgetsOfTwoProcesses({ LASTFM_RATE_LIMIT: '5' });
    const signIns = [];
    for (let i = 0; i < 4; i += 1) signIns.push(await budgets[i % 2]?.take('sign-in', 'signed-out'));
    expect(signIns.map((answer) => answer?.ok)).toEqual([true, true, false, false]);
    const writes = [];
    for (let i = 0; i < 4; i += 1) writes.push(await budgets[i % 2]?.take('write', 'signed-in'));
    expect(writes.map((answer) => answer?.ok)).toEqual([true, true, true, false]);
  });

  it('pace outbox deliveries across processes, and keep them off the next slot while a write waits for it (issue 21)', async () => {
    const clock = { now: 1_000_000 };
    const [a, b] = budgetsOfTwoProcesses({ LASTFM_RATE_LIMIT: '5' }, clock);
    /** Sent and answered at once. */
    const sendNow = async (budget: CallBudget): Promise<boolean> => {
      const answer = await budget.take('background', 'signed-in');
      if (answer.ok) {
        await budget.sending(answer.slot);
        await budget.release(answer.slot);
      }
      return answer.ok;
    };
    expect(await sendNow(a)).toBe(true);
    expect(await b.take('background', 'signed-in')).toEqual({ ok: false, retryInMs: backgroundSpacingMs(5), pausedMs: 0 });
    // Background alone takes every slot, one a spacing apart, each free a second after its answer.
    for (let i = 1; i < 5; i += 1) {
      clock.now += backgroundSpacingMs(5);
      expect(await sendNow(i % 2 === 0 ? a : b)).toBe(true);
    }
    clock.now += 10;
    const write = await b.take('write', 'signed-in');
    const firstFrees = SLOT_WINDOW_MS - 4 * backgroundSpacingMs(5) - 10;
    expect(write).toEqual({ ok: false, retryInMs: firstFrees, pausedMs: 0 });
    clock.now += firstFrees;
    // The freed slot is the write's: the drain on the other process stands aside.
    expect((await a.take('background', 'signed-in')).ok).toBe(false);
    expect((await b.take('write', 'signed-in')).ok).toBe(true);
  });

  it('space outbox deliveries by a second plus the recent answer time, over every process on the file (issue 21)', async () => {
    const clock = { now: 1_000_000 };
    const [a, b] = budgetsOfTwoProcesses({ LASTFM_RATE_LIMIT: '5' }, clock);
    const first = await a.take('background', 'signed-in');
    if (!first.ok) throw new Error('first slot refused');
    await a.sending(first.slot);
    clock.now += 300;
    await a.release(first.slot);
    expect((await b.take('background', 'signed-in')).ok).toBe(true);
    expect(await a.take('background', 'signed-in')).toEqual({ ok: false, retryInMs: backgroundSpacingMs(5, 'answer', 300), pausedMs: 0 });
  });

  it('counting slots from the send, free a slot a second and the margin after its send, as the memory and Redis budgets do: a slow answer does not hold the next call back', async () => {
    const clock = { now: 1_000_000 };
    const [a, b] = budgetsOfTwoProcesses({ LASTFM_RATE_LIMIT: '1', LASTFM_SLOTS_FROM: 'send' }, clock);
    const first = await a.take('write', 'signed-in');
    if (!first.ok) throw new Error('first slot refused');
    await a.sending(first.slot);
    clock.now += 500;
    await a.release(first.slot);
    clock.now += SENT_SLOT_MS - 500 - 1;
    expect(await b.take('write', 'signed-in')).toEqual({ ok: false, retryInMs: 1, pausedMs: 0 });
    clock.now += 1;
    expect((await b.take('write', 'signed-in')).ok).toBe(true);
  });
});
