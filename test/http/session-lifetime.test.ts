import { MemoryStore, type SessionData } from 'express-session';
import request from 'supertest';
import { createMemoryBackend } from '../../src/stores/memory-backend';
import { buildApp, fakeConfig, sessionCookie } from '../helpers/app';
import { FakeLastfm } from '../helpers/fake-lastfm';
import { sessionIdOf, signInAs } from '../helpers/sign-in';

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;
const COOKIE_NAME = 'lastfm_signin.sid';

let fake: FakeLastfm;

beforeEach(async () => {
  fake = await new FakeLastfm().start();
});

afterEach(async () => {
  await fake.stop();
});

function setup() {
  const inner = new MemoryStore();
  const config = fakeConfig(fake);
  const { app } = buildApp(config, { sessions: createMemoryBackend(config, inner) });
  return { app, inner };
}

/** How far ahead of now the response's session cookie expires. */
function cookieLifetime(res: request.Response): number {
  const raw = res.headers['set-cookie'] as unknown as string[] | undefined;
  const cookie = raw?.find((line) => line.startsWith(`${COOKIE_NAME}=`));
  const expires = /Expires=([^;]+)/.exec(cookie ?? '')?.[1];
  if (expires === undefined) throw new Error('no session cookie with an expiry');
  return Date.parse(expires) - Date.now();
}

/** How far ahead of now the store will drop the session. */
function storedLifetime(inner: MemoryStore, cookie: string): Promise<number> {
  return new Promise((resolve, reject) => {
    inner.get(sessionIdOf(cookie), (error: unknown, session?: SessionData | null) => {
      // As stored: plain JSON, so the expiry is the ISO string the store itself goes by.
      const expires = (JSON.parse(JSON.stringify(session ?? {})) as { cookie?: { expires?: string } }).cookie?.expires;
      if (error || expires === undefined) reject(new Error('no stored session with an expiry'));
      else resolve(Date.parse(expires) - Date.now());
    });
  });
}

const about = (ms: number) => ({ asymmetricMatch: (actual: number) => Math.abs(actual - ms) < 60_000, toString: () => `about ${ms} ms` });

describe('session lifetimes', () => {
  it('gives a session without a signed-in person (a sign-in under way) about an hour, in the cookie and in the store', async () => {
    const { app, inner } = setup();
    // The desktop and password pages store none until a token is made or a sign-in tried (visitor-sessions.test.ts).
    const res = await request(app).get('/auth/login');
    expect(cookieLifetime(res)).toEqual(about(HOUR));
    const cookie = `${COOKIE_NAME}=${sessionCookie(res, COOKIE_NAME) ?? ''}`;
    await expect(storedLifetime(inner, cookie)).resolves.toEqual(about(HOUR));
  });

  it('gives a signed-in session SESSION_TTL, and keeps it on later requests', async () => {
    const { app, inner } = setup();
    const cookie = await signInAs(app, fake, 'rj');
    await expect(storedLifetime(inner, cookie)).resolves.toEqual(about(30 * DAY));
    const later = await request(app).get('/desktop').set('Cookie', cookie).expect(200);
    expect(cookieLifetime(later)).toEqual(about(30 * DAY));
    await expect(storedLifetime(inner, cookie)).resolves.toEqual(about(30 * DAY));
  });
});
