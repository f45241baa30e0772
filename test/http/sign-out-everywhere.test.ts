import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Express } from 'express';
import request from 'supertest';
import type { Config } from '../../src/config';
import type { SessionBackend } from '../../src/stores/backend';
import { createSessionStore } from '../../src/stores/create-session-store';
import { buildApp, csrfFrom, fakeConfig } from '../helpers/app';
import { FakeLastfm } from '../helpers/fake-lastfm';
import { TestRedis } from '../helpers/redis-server';
import { signInAs } from '../helpers/sign-in';

let fake: FakeLastfm;
let redis: TestRedis | undefined;
let dataDir: string;
const opened: SessionBackend[] = [];

beforeEach(async () => {
  fake = await new FakeLastfm().start();
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'lastfm-signout-'));
});

afterEach(async () => {
  for (const backend of opened.splice(0)) await backend.close();
  await redis?.stop();
  redis = undefined;
  await fake.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function configFor(kind: string): Promise<Config> {
  if (kind === 'redis') {
    redis = await new TestRedis().start();
    return fakeConfig(fake, { SESSION_STORE: 'redis', REDIS_URL: redis.url });
  }
  return fakeConfig(fake, { SESSION_STORE: kind, DATA_DIR: dataDir });
}

async function instance(config: Config): Promise<Express> {
  const sessions = await createSessionStore(config);
  opened.push(sessions);
  return buildApp(config, { sessions }).app;
}

async function greeting(app: Express, cookie: string): Promise<string> {
  const home = await request(app).get('/').set('Cookie', cookie).expect(200);
  return /<h1>([^<]*)<\/h1>/.exec(home.text)?.[1] ?? '';
}

describe.each(['memory', 'sqlite', 'redis'])('sign out everywhere (%s store)', (kind) => {
  it("ends every session of that person, in every instance, and leaves other people's alone", async () => {
    const config = await configFor(kind);
    const a = await instance(config);
    // A second instance on the same store (for memory, the same app: memory is one process).
    const b = kind === 'memory' ? a : await instance(config);
    const laptop = await signInAs(a, fake, 'rj');
    const phone = await signInAs(b, fake, 'RJ');
    const other = await signInAs(b, fake, 'ada');
    expect(await greeting(b, laptop)).toBe('Hello, rj');
    expect(await greeting(a, phone)).toBe('Hello, RJ');

    const home = await request(a).get('/').set('Cookie', laptop).expect(200);
    expect(home.text).toContain('action="/auth/logout-everywhere"');
    const res = await request(a).post('/auth/logout-everywhere').set('Cookie', laptop).type('form').send({ _csrf: csrfFrom(home.text) }).expect(303);
    expect(res.headers.location).toBe('/?signed-out=everywhere');
    expect((await request(a).get(res.headers.location as string).set('Cookie', laptop).expect(200)).text).toContain('You are signed out everywhere');

    expect(await greeting(a, laptop)).toBe('Sign in with Last.fm');
    expect(await greeting(b, phone)).toBe('Sign in with Last.fm');
    expect(await greeting(a, other)).toBe('Hello, ada');
  });
});

describe('sign out everywhere', () => {
  it('is refused without the CSRF token', async () => {
    const app = await instance(await configFor('memory'));
    const cookie = await signInAs(app, fake, 'rj');
    await request(app).post('/auth/logout-everywhere').set('Cookie', cookie).type('form').send({}).expect(403);
    expect(await greeting(app, cookie)).toBe('Hello, rj');
  });

  it('lets the person sign in again afterwards', async () => {
    const app = await instance(await configFor('sqlite'));
    const cookie = await signInAs(app, fake, 'rj');
    const home = await request(app).get('/').set('Cookie', cookie).expect(200);
    await request(app).post('/auth/logout-everywhere').set('Cookie', cookie).type('form').send({ _csrf: csrfFrom(home.text) }).expect(303);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const again = await signInAs(app, fake, 'rj');
    expect(await greeting(app, again)).toBe('Hello, rj');
  });
});
