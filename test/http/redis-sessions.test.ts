import type { Express } from 'express';
import { createClient } from 'redis';
import request from 'supertest';
import type { SessionBackend } from '../../src/stores/backend';
import { SessionStoreStartError } from '../../src/stores/backend';
import { createRedisBackend } from '../../src/stores/redis-backend';
import { teachAccountMethods } from '../helpers/account';
import { buildApp, csrfFrom, fakeConfig } from '../helpers/app';
import { FakeLastfm } from '../helpers/fake-lastfm';
import { freePort } from '../helpers/free-port';
import { TestRedis } from '../helpers/redis-server';
import { sessionIdOf, signInAs, storedKey } from '../helpers/sign-in';

let fake: FakeLastfm;
let redis: TestRedis;
const opened: SessionBackend[] = [];

beforeEach(async () => {
  fake = await new FakeLastfm().start();
  redis = await new TestRedis().start();
});

afterEach(async () => {
  for (const backend of opened.splice(0)) await backend.close();
  await redis.stop();
  await fake.stop();
});

async function openInstance(): Promise<{ app: Express; sessions: SessionBackend }> {
  const config = fakeConfig(fake, { SESSION_STORE: 'redis', REDIS_URL: redis.url });
  const sessions = await createRedisBackend(config);
  opened.push(sessions);
  return { app: buildApp(config, { sessions }).app, sessions };
}


/** Polls until `check` passes, so recovery is awaited without a fixed sleep; fails after `ms`. */
async function eventually(check: () => Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`not true within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('Redis session store', () => {
  it('shares sessions between two app instances, and stores the session key only sealed', async () => {
    const a = await openInstance();
    const b = await openInstance();
    const cookie = await signInAs(a.app, fake, 'rj');
    const [issuedKey] = [...fake.sessionKeys.keys()];

    const home = await request(b.app).get('/').set('Cookie', cookie).expect(200);
    expect(home.text).toContain('Hello, rj');
    expect(await storedKey(b.sessions.store, sessionIdOf(cookie))).toBe(issuedKey);

    const raw = await fetchRaw(`lastfm-signin:sess:${sessionIdOf(cookie)}`);
    expect(raw).toContain('"name":"rj"');
    expect(raw).toContain('sealedKey');
    expect(raw).not.toContain(issuedKey);
  });

  it('makes a write call through instance B for a person who signed in through instance A', async () => {
    const libraries = teachAccountMethods(fake);
    const a = await openInstance();
    const b = await openInstance();
    const cookie = await signInAs(a.app, fake, 'rj');

    const home = await request(b.app).get('/').set('Cookie', cookie).expect(200);
    const love = await request(b.app).post('/track/love').set('Cookie', cookie).set('Accept', 'application/json').type('form').send({ _csrf: csrfFrom(home.text), artist: 'Sigur Rós', track: 'Hoppípolla' }).expect(200);
    expect((love.body as { ok: boolean }).ok).toBe(true);

    const [call] = fake.calls('track.love');
    expect(call?.signatureValid).toBe(true);
    expect(call?.params.sk).toBe([...fake.sessionKeys.keys()][0]);
    expect(libraries.get('rj')?.loves.has('Sigur Rós\u0000Hoppípolla')).toBe(true);
  });

  it('answers 503 quickly while Redis is down and recovers when it returns', async () => {
    const { app } = await openInstance();
    const cookie = await signInAs(app, fake, 'rj');
    await request(app).get('/readyz').expect(200, { status: 'ready' });

    await redis.stop();
    const started = Date.now();
    const page = await request(app).get('/').set('Cookie', cookie).timeout(5000);
    expect(page.status).toBe(503);
    expect(page.text).toContain('Sessions are unavailable');
    expect(Date.now() - started).toBeLessThan(5000);
    const ready = await request(app).get('/readyz').timeout(5000).expect(503);
    expect(ready.body).toEqual({ status: 'unavailable', reason: 'session store: not answering' });
    // Starting a sign-in needs a session too.
    await request(app).get('/auth/login').timeout(5000).expect(503);

    await redis.start();
    await eventually(async () => (await request(app).get('/readyz')).status === 200, 10_000);
    // Redis started empty (nothing saved), so the old session is gone, but sessions work again.
    const again = await signInAs(app, fake, 'rj');
    expect((await request(app).get('/').set('Cookie', again).expect(200)).text).toContain('Hello, rj');
  }, 30_000);

  it('answers 503 within the store deadline when Redis hangs instead of going away, then recovers', async () => {
    const { app } = await openInstance();
    const cookie = await signInAs(app, fake, 'rj');

    redis.pause();
    try {
      const started = Date.now();
      const page = await request(app).get('/').set('Cookie', cookie).timeout(8000);
      expect(page.status).toBe(503);
      expect(page.text).toContain('Sessions are unavailable');
      expect(Date.now() - started).toBeLessThan(8000);
      await request(app).get('/readyz').timeout(8000).expect(503);
    } finally {
      redis.resume();
    }
    await eventually(async () => (await request(app).get('/').set('Cookie', cookie)).text.includes('Hello, rj'), 10_000);
  }, 30_000);

  it('refuses to start with one clear line when Redis cannot be reached', async () => {
    const port = await freePort();
    const config = fakeConfig(fake, { SESSION_STORE: 'redis', REDIS_URL: `redis://:hunter2-password@127.0.0.1:${port}` });
    const error = await createRedisBackend(config).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SessionStoreStartError);
    const message = (error as Error).message;
    expect(message).toMatch(new RegExp(`^cannot reach Redis at 127\\.0\\.0\\.1:${port} \\(REDIS_URL\\)`));
    expect(message).not.toContain('\n');
    expect(message).not.toContain('hunter2');
  });
});

/** Reads a key straight from Redis with its own client, as someone with a dump would. */
async function fetchRaw(key: string): Promise<string> {
  const client = createClient({ url: redis.url });
  await client.connect();
  try {
    return (await client.get(key)) ?? '';
  } finally {
    await client.close();
  }
}
