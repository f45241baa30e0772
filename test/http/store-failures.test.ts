import { MemoryStore, type SessionData } from 'express-session';
import request from 'supertest';
import { signOutsFailingAsStore } from '../../src/stores/backend';
import { createMemoryBackend } from '../../src/stores/memory-backend';
import { buildApp, fakeConfig } from '../helpers/app';
import { FakeLastfm } from '../helpers/fake-lastfm';
import { signInAs } from '../helpers/sign-in';

/** A memory store that can be told to fail writes, reads, or never answer. */
class FlakyStore extends MemoryStore {
  failWrites = false;
  failReads = false;
  hang = false;

  override set(sid: string, session: SessionData, callback?: (err?: unknown) => void): void {
    if (this.hang) return;
    if (this.failWrites) {
      callback?.(new Error('write failed'));
      return;
    }
    super.set(sid, session, callback);
  }

  override touch(sid: string, session: SessionData, callback?: (err?: unknown) => void): void {
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
