import type { Express } from 'express';
import { createClient } from 'redis';
import request from 'supertest';
import { createRedisState } from '../../src/shared-state/redis-state';
import { KeySealer } from '../../src/stores/key-sealer';
import { createMemoryBackend, MemorySessionStore } from '../../src/stores/memory-backend';
import { buildApp, csrfFrom, fakeConfig } from '../helpers/app';
import { FakeLastfm } from '../helpers/fake-lastfm';
import { TestRedis } from '../helpers/redis-server';

/*
 * A visit stores nothing until there is something to keep: the sign-in pages carry their form
 * token in a signed cookie, a session is stored once a sign-in starts or a token is made, and
 * one address may start only so many sign-ins a minute, counted across instances.
 */
let fake: FakeLastfm;

beforeEach(async () => {
  fake = await new FakeLastfm().start();
  fake.onMethod('auth.getToken', () => [200, { token: 'desktoptoken1x' }]);
});

afterEach(async () => {
  await fake.stop();
});

function setup(env: Record<string, string> = {}) {
  const inner = new MemorySessionStore();
  const config = fakeConfig(fake, env);
  const { app } = buildApp(config, { sessions: createMemoryBackend(config, inner) });
  const stored = () => new Promise<number>((resolve, reject) => inner.length((error: unknown, n?: number) => (error ? reject(new Error('length failed')) : resolve(n ?? 0))));
  return { app, stored };
}

describe('anonymous page views', () => {
  it.each(['/desktop', '/auth/mobile', '/'])('of %s store no session and set no session cookie', async (path) => {
    const { app, stored } = setup();
    for (let i = 0; i < 5; i += 1) {
      const res = await request(app).get(path).expect(200);
      expect(JSON.stringify(res.headers['set-cookie'] ?? [])).not.toContain('lastfm_signin.sid=');
    }
    expect(await stored()).toBe(0);
  });
});

describe('the desktop flow from a fresh visitor', () => {
  it('makes a token with the form token from the page, and only then stores a session', async () => {
    const { app, stored } = setup();
    const agent = request.agent(app);
    const page = await agent.get('/desktop').expect(200);
    await agent.post('/auth/desktop/token').type('form').send({ _csrf: csrfFrom(page.text) }).expect(303);
    expect(await stored()).toBe(1);
    expect((await agent.get('/desktop').expect(200)).text).toMatch(/Approve on Last\.fm|approve/i);
  });

  it('refuses a form token that is not the one in this browser\'s cookie', async () => {
    const { app, stored } = setup();
    const mine = request.agent(app);
    const theirs = csrfFrom((await request(app).get('/desktop').expect(200)).text);
    await mine.get('/desktop').expect(200);
    await mine.post('/auth/desktop/token').type('form').send({ _csrf: theirs }).expect(403);
    await request(app).post('/auth/desktop/token').type('form').send({ _csrf: theirs }).expect(403);
    expect(await stored()).toBe(0);
    expect(fake.calls('auth.getToken')).toHaveLength(0);
  });
});

describe('sign-in starts per address', () => {
  it('are limited a minute, counted together by every instance on one Redis, with a 429 in words', async () => {
    const redis = await new TestRedis().start();
    const clients = [createClient({ url: redis.url }), createClient({ url: redis.url })];
    try {
      await Promise.all(clients.map((client) => client.connect()));
      const config = fakeConfig(fake, { SIGN_IN_STARTS_PER_MINUTE: '4' });
      const [a, b] = clients.map((client) => buildApp(config, { shared: createRedisState(client, { perSecond: 5, leaseMs: 1000 }, new KeySealer(config.session.secrets), 'key') }).app);
      if (a === undefined || b === undefined) throw new Error('two instances');
      await startsAreLimited(a, b);
    } finally {
      for (const client of clients) client.destroy();
      await redis.stop();
    }
  });
});

/** Four starts on two instances use up the minute's four; the fifth, web or desktop, on either, is refused. */
async function startsAreLimited(a: Express, b: Express): Promise<void> {
  for (const app of [a, b, a, b]) await request(app).get('/auth/login').expect(303);
  const refused = await request(a).get('/auth/login').expect(429);
  expect(refused.text).toContain('Too many sign-ins started');
  expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
  const agent = request.agent(b);
  const page = await agent.get('/desktop').expect(200);
  await agent.post('/auth/desktop/token').type('form').send({ _csrf: csrfFrom(page.text) }).expect(429);
  expect(fake.calls('auth.getToken')).toHaveLength(0);
}
