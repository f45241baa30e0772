import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Request } from 'express';
import { Cookie, type SessionData } from 'express-session';
import request from 'supertest';
import type { Config } from '../../src/config';
import type { SessionBackend } from '../../src/stores/backend';
import { createMemoryBackend } from '../../src/stores/memory-backend';
import { createRedisBackend } from '../../src/stores/redis-backend';
import { createSqliteBackend } from '../../src/stores/sqlite-backend';
import { hasStored, type UpdatingStore } from '../../src/stores/still-stored';
import { teachAccountMethods } from '../helpers/account';
import { buildApp, csrfFrom, fakeConfig, sessionCookie } from '../helpers/app';
import { FakeLastfm } from '../helpers/fake-lastfm';
import { TestRedis } from '../helpers/redis-server';
import { sessionIdOf, signInAs } from '../helpers/sign-in';

// Two tabs: one sends a write that waits on Last.fm, the other signs out meanwhile. When the
// write finishes, the sign-out must still hold, in every store.
let fake: FakeLastfm;
let dataDir: string;
let redis: TestRedis | undefined;
const opened: SessionBackend[] = [];

beforeEach(async () => {
  fake = await new FakeLastfm().start();
  teachAccountMethods(fake);
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'lastfm-sign-out-'));
});

afterEach(async () => {
  for (const backend of opened.splice(0)) await backend.close();
  await redis?.stop();
  redis = undefined;
  rmSync(dataDir, { recursive: true, force: true });
  await fake.stop();
});

async function open(kind: 'memory' | 'sqlite' | 'redis'): Promise<{ config: Config; sessions: SessionBackend }> {
  if (kind === 'memory') {
    const config = fakeConfig(fake, { SESSION_STORE: 'memory' });
    return { config, sessions: createMemoryBackend(config) };
  }
  if (kind === 'sqlite') {
    const config = fakeConfig(fake, { SESSION_STORE: 'sqlite', DATA_DIR: dataDir });
    const sessions = createSqliteBackend(config);
    opened.push(sessions);
    return { config, sessions };
  }
  redis = await new TestRedis().start();
  const config = fakeConfig(fake, { SESSION_STORE: 'redis', REDIS_URL: redis.url });
  const sessions = await createRedisBackend(config);
  opened.push(sessions);
  return { config, sessions };
}

function stored(sessions: SessionBackend, sid: string): Promise<boolean | undefined> {
  return new Promise((resolve, reject) => {
    hasStored(sessions.store, sid, (error, present) => (error ? reject(new Error('store error')) : resolve(present)));
  });
}

describe.each(['memory', 'sqlite', 'redis'] as const)('sign-out with the %s store', (kind) => {
  it('sticks when a write from the same browser finishes after it: nothing written back, no cookie re-sent', async () => {
    const { config, sessions } = await open(kind);
    const { app } = buildApp(config, { sessions });
    const cookie = await signInAs(app, fake, 'rj');
    const csrf = csrfFrom((await request(app).get('/').set('Cookie', cookie).expect(200)).text);

    const hold = fake.holdNext('track.love');
    const write = request(app).post('/track/love').set('Cookie', cookie).type('form').send({ _csrf: csrf, artist: 'Björk', track: 'Jóga' }).then((res) => res);
    await hold.arrived;
    await request(app).post('/auth/logout').set('Cookie', cookie).type('form').send({ _csrf: csrf }).expect(303);
    hold.release();

    const late = await write;
    expect(late.status).toBe(303);
    expect(sessionCookie(late, config.session.cookieName)).toBeUndefined();
    await expect(stored(sessions, sessionIdOf(cookie))).resolves.toBe(false);
    const after = await request(app).get('/').set('Cookie', cookie).expect(200);
    expect(after.text).not.toContain('Hello, rj');
    expect(after.text).toContain('Sign in with Last.fm');
  });
});

/** The store's callbacks as promises. */
function call(run: (done: (error?: unknown) => void) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    run((error) => (error ? reject(new Error('store error')) : resolve()));
  });
}

function minuteCookie(): Cookie {
  const cookie = new Cookie();
  cookie.maxAge = 60_000;
  return cookie;
}

describe.each(['memory', 'sqlite', 'redis'] as const)('the %s store', (kind) => {
  it('writes a session it handed out only while it is still stored, but creates a fresh one', async () => {
    const { sessions } = await open(kind);
    const { store } = sessions;
    const fresh = { cookie: minuteCookie(), csrfToken: 'first' } as SessionData;
    await call((done) => store.set('sid-1', fresh, done));

    // As express-session does it for a request: read, then build the request's session from it.
    const read = await new Promise<SessionData>((resolve, reject) => {
      store.get('sid-1', (error: unknown, data?: SessionData | null) => (error || !data ? reject(new Error('not read')) : resolve(data)));
    });
    const loaded = store.createSession({ sessionID: 'sid-1', sessionStore: store } as unknown as Request, read);
    await call((done) => store.destroy('sid-1', done));
    loaded.csrfToken = 'written back';
    await call((done) => store.set('sid-1', loaded, done));
    await expect(stored(sessions, 'sid-1')).resolves.toBe(false);

    await call((done) => store.set('sid-2', { cookie: minuteCookie() } as SessionData, done));
    await expect(stored(sessions, 'sid-2')).resolves.toBe(true);
  });
});

describe.each(['memory', 'sqlite', 'redis'] as const)('the %s store, touched at the end of a request', (kind) => {
  it('pushes the expiry back only while the session is still stored, and says which', async () => {
    const { sessions } = await open(kind);
    const store = sessions.store as typeof sessions.store & UpdatingStore;
    await call((done) => store.set('sid-1', { cookie: minuteCookie() } as SessionData, done));
    const touch = (sid: string) =>
      new Promise<boolean | undefined>((resolve, reject) => {
        store.touchIfStored(sid, { cookie: minuteCookie() } as SessionData, (error, present) => (error ? reject(new Error('store error')) : resolve(present)));
      });
    await expect(touch('sid-1')).resolves.toBe(true);
    await call((done) => store.destroy('sid-1', done));
    await expect(touch('sid-1')).resolves.toBe(false);
    // A touch never brings a signed-out session back.
    await expect(stored(sessions, 'sid-1')).resolves.toBe(false);
  });
});

describe('a page view', () => {
  it('asks the store once on the way out: the sign-out check is the touch', async () => {
    const { config, sessions } = await open('memory');
    const { app } = buildApp(config, { sessions });
    const cookie = await signInAs(app, fake, 'rj');
    await request(app).get('/').set('Cookie', cookie).expect(200);
    const store = sessions.store as typeof sessions.store & UpdatingStore;
    const calls: string[] = [];
    const methods = store as unknown as Record<string, (...args: unknown[]) => void>;
    for (const method of ['get', 'set', 'touch', 'has', 'update', 'touchIfStored']) {
      const original = methods[method]?.bind(store);
      methods[method] = (...args: unknown[]) => {
        calls.push(method);
        original?.(...args);
      };
    }
    const res = await request(app).get('/').set('Cookie', cookie).expect(200);
    expect(res.text).toContain('Hello, rj');
    // The rolling cookie still goes out with the touch.
    expect(sessionCookie(res, config.session.cookieName)).toBe(cookie.slice(cookie.indexOf('=') + 1));
    // express-session's own touch comes in too, and is answered without a second store call.
    expect(calls).toEqual(['get', 'touchIfStored', 'touch']);
  });
});

describe('a session still stored', () => {
  it('is saved and its cookie re-sent as before', async () => {
    const { config, sessions } = await open('memory');
    const { app } = buildApp(config, { sessions });
    const cookie = await signInAs(app, fake, 'rj');
    const csrf = csrfFrom((await request(app).get('/').set('Cookie', cookie).expect(200)).text);
    const res = await request(app).post('/track/love').set('Cookie', cookie).type('form').send({ _csrf: csrf, artist: 'Björk', track: 'Jóga' }).expect(303);
    expect(sessionCookie(res, config.session.cookieName)).toBe(cookie.slice(cookie.indexOf('=') + 1));
    const home = await request(app).get('/').set('Cookie', cookie).expect(200);
    expect(home.text).toContain('Hello, rj');
    expect(home.text).toContain('Loved');
  });
});
