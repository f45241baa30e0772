import { MemoryStore, type SessionData } from 'express-session';
import { RedisTimeoutError } from 'lastfm-sign-in/redis';
import { ClientOfflineError } from 'redis';
import request from 'supertest';
import { StoreTimeoutError } from '../../src/errors';
import { createMemoryState } from '../../src/shared-state/memory-state';
import { signOutsFailingAsStore } from '../../src/stores/backend';
import { promiseWithDeadline } from '../../src/stores/deadline';
import { createMemoryBackend } from '../../src/stores/memory-backend';
import { teachAccountMethods } from '../helpers/account';
import { buildApp, csrfFrom, fakeConfig } from '../helpers/app';
import { FakeLastfm } from '../helpers/fake-lastfm';
import { signInAs } from '../helpers/sign-in';

/** A memory store that can be told to fail writes, reads, or never answer. */
class FlakyStore extends MemoryStore {
  failWrites = false;
  failReads = false;
  hang = false;
  hangTouch = false;

  override set(sid: string, session: SessionData, callback?: (err?: unknown) => void): void {
    if (this.hang) return;
    if (this.failWrites) {
      callback?.(new Error('write failed'));
      return;
    }
    super.set(sid, session, callback);
  }

  override touch(sid: string, session: SessionData, callback?: (err?: unknown) => void): void {
    if (this.hangTouch) return;
    if (this.failWrites) {
      callback?.(new Error('touch failed'));
      return;
    }
    super.touch(sid, session, callback);
  }

  override get(sid: string, callback: (err: unknown, session?: SessionData | null) => void): void {
    if (this.hang) return;
    if (this.failReads) {
      callback(new Error('read failed'));
      return;
    }
    super.get(sid, callback);
  }
}

let fake: FakeLastfm;

beforeEach(async () => {
  fake = await new FakeLastfm().start();
});

afterEach(async () => {
  await fake.stop();
});

function setup() {
  const inner = new FlakyStore();
  const config = fakeConfig(fake);
  const { app, logs } = buildApp(config, { sessions: createMemoryBackend(config, inner) });
  return { app, logs, inner };
}

describe('session store failures reach the person as a 503 page', () => {
  it('when a read fails', async () => {
    const { app, inner } = setup();
    const cookie = await signInAs(app, fake, 'rj');
    inner.failReads = true;
    const res = await request(app).get('/').set('Cookie', cookie).expect(503);
    expect(res.text).toContain('Sessions are unavailable');
    const json = await request(app).get('/').set('Cookie', cookie).set('Accept', 'application/json').expect(503);
    expect((json.body as { error: { title: string } }).error.title).toBe('Sessions are unavailable');
  });

  it('when the save at the end of a request fails', async () => {
    const { app, inner } = setup();
    inner.failWrites = true;
    const res = await request(app).get('/auth/login').expect(503);
    expect(res.text).toContain('Sessions are unavailable');
    expect(res.headers.location).toBeUndefined();
  });

  it('except a failed rolling touch once the page is ready: the page stands, only the expiry is not pushed back', async () => {
    const { app, inner } = setup();
    const cookie = await signInAs(app, fake, 'rj');
    inner.failWrites = true;
    const res = await request(app).get('/').set('Cookie', cookie).expect(200);
    expect(res.text).toContain('Hello, rj');
    inner.failWrites = false;
    expect((await request(app).get('/').set('Cookie', cookie).expect(200)).text).toContain('Hello, rj');
  });

  it('when the store does not answer at all, within the deadline', async () => {
    const { app, inner } = setup();
    const cookie = await signInAs(app, fake, 'rj');
    inner.hang = true;
    const started = Date.now();
    const res = await request(app).get('/').set('Cookie', cookie).timeout(8000).expect(503);
    expect(res.text).toContain('Sessions are unavailable');
    expect(Date.now() - started).toBeLessThan(8000);
  });

  it('when the "signed out everywhere" marks cannot be read or written', async () => {
    const config = fakeConfig(fake);
    const sessions = createMemoryBackend(config);
    const down = () => Promise.reject(new Error('marks unreadable'));
    const { app } = buildApp(config, { sessions: { ...sessions, signOuts: signOutsFailingAsStore({ signedOutAt: down, record: down }) } });
    const signedIn = await signInAs(app, fake, 'rj');
    expect((await request(app).get('/').set('Cookie', signedIn).expect(503)).text).toContain('Sessions are unavailable');
  });
});

describe('a store failing under a request that already has its session', () => {
  it.each([
    ['node-redis is offline', () => new ClientOfflineError()],
    ['a store call ran out of time', () => new StoreTimeoutError(3000)],
    ['a lastfm-sign-in/redis command ran out of time', () => new RedisTimeoutError(3000)],
  ])('is the same 503 page in words when the shared state fails because %s', async (_why, failure) => {
    const config = fakeConfig(fake);
    const shared = createMemoryState({ perSecond: 5, leaseMs: 1000 });
    let down = false;
    const take = shared.budget.take.bind(shared.budget);
    shared.budget.take = (priority, who) => (down ? Promise.reject(failure()) : take(priority, who));
    const { app } = buildApp(config, { shared });
    const cookie = await signInAs(app, fake, 'rj');
    const csrf = csrfFrom((await request(app).get('/').set('Cookie', cookie).expect(200)).text);
    down = true;
    const res = await request(app).post('/track/love').set('Cookie', cookie).type('form').send({ _csrf: csrf, artist: 'a', track: 'b' }).expect(503);
    expect(res.text).toContain('Sessions are unavailable');
  });

  it('costs the request one store deadline in all, not one per step', async () => {
    const inner = new FlakyStore();
    const config = fakeConfig(fake);
    const sessions = createMemoryBackend(config, inner);
    let hung = false;
    const marks = sessions.signOuts;
    const { app } = buildApp(config, {
      sessions: { ...sessions, signOuts: { ...marks, signedOutAt: (name) => (hung ? promiseWithDeadline(new Promise<number | undefined>(() => undefined)) : marks.signedOutAt(name)) } },
    });
    const cookie = await signInAs(app, fake, 'rj');
    // The session is read, then the sign-out marks hang, then the rolling touch at the end would too.
    hung = true;
    inner.hangTouch = true;
    const started = performance.now();
    const res = await request(app).get('/').set('Cookie', cookie).timeout(10_000).expect(503);
    expect(res.text).toContain('Sessions are unavailable');
    expect(performance.now() - started).toBeLessThan(4500);
  });

  it('after the page was sent, is one JSON log line, not a stack', async () => {
    teachAccountMethods(fake);
    const { app, logs, inner } = setup();
    const cookie = await signInAs(app, fake, 'rj');
    const csrf = csrfFrom((await request(app).get('/').set('Cookie', cookie).expect(200)).text);
    await request(app).post('/track/love').set('Cookie', cookie).type('form').send({ _csrf: csrf, artist: 'a', track: 'b' }).expect(303);
    // Showing the one-time message changes the session, which is saved once the page is written.
    inner.failWrites = true;
    const page = await request(app).get('/').set('Cookie', cookie);
    expect(page.status).toBe(200);
    // The failure reaches the edge just after the page is written: wait for its line.
    const failedLine = () => logs.lines.find((l) => l.includes('failed after the answer was sent'));
    for (const waitUntil = Date.now() + 2000; failedLine() === undefined && Date.now() < waitUntil; ) await new Promise((resolve) => setTimeout(resolve, 10));
    const line = failedLine();
    expect(line).toBeDefined();
    expect(JSON.parse(line ?? '')).toMatchObject({ level: 40, failure: { type: 'SessionStoreUnavailableError' } });
    expect(logs.lines.every((l) => !l.includes('\n    at '))).toBe(true);
  });
});

describe('the setup page, which must answer without a session', () => {
  it('says no one is signed in when the store cannot read the session, or the sign-out marks, rather than failing', async () => {
    const { app, inner } = setup();
    const cookie = await signInAs(app, fake, 'rj');
    expect((await request(app).get('/setup').set('Cookie', cookie).expect(200)).text).toContain('as <strong>rj</strong>');
    inner.failReads = true;
    const res = await request(app).get('/setup').set('Cookie', cookie).expect(200);
    expect(res.text).toContain('<dd data-testid="signed-in-as">no one, in this browser</dd>');

    const config = fakeConfig(fake);
    const down = () => Promise.reject(new Error('marks unreadable'));
    const marksDown = buildApp(config, { sessions: { ...createMemoryBackend(config), signOuts: signOutsFailingAsStore({ signedOutAt: down, record: down }) } }).app;
    const signedIn = await signInAs(marksDown, fake, 'rj');
    expect((await request(marksDown).get('/setup').set('Cookie', signedIn).expect(200)).text).toContain('no one, in this browser');
  });
});
