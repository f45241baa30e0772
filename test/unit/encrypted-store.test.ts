import { Cookie, MemoryStore, type SessionData } from 'express-session';
import type { LastfmSessionData } from 'lastfm-sign-in/express';
import { EncryptedStore } from '../../src/stores/encrypted-store';
import { KeySealer } from '../../src/stores/key-sealer';

const SECRET = 'encrypted-store-test-secret-0123456789';

function call<T>(run: (done: (error: unknown, value?: T | null) => void) => void): Promise<T | undefined> {
  return new Promise((resolve, reject) => {
    run((error, value) => (error ? reject(error instanceof Error ? error : new Error('the store call failed')) : resolve(value ?? undefined)));
  });
}

/** A session with the sign-in's part (lastfm-sign-in/express keeps the person under `lastfm`). */
type Stored = SessionData & { lastfm?: LastfmSessionData };

/** What the inner store holds for `sid`, as it would be written to disk or Redis. */
async function raw(inner: MemoryStore, sid: string): Promise<{ lastfm?: { user?: { sealedKey?: string } }; cookie: { expires: string } } & Record<string, unknown>> {
  const stored = await call<SessionData>((done) => inner.get(sid, done));
  return JSON.parse(JSON.stringify(stored)) as { lastfm?: { user?: { sealedKey?: string } }; cookie: { expires: string } };
}

function session(key: string): Stored {
  const cookie = new Cookie();
  cookie.maxAge = 60_000;
  return { cookie, lastfm: { user: { name: 'rj', key, subscriber: false, signedInAt: 1 } } } as Stored;
}

describe('EncryptedStore', () => {
  let inner: MemoryStore;
  let store: EncryptedStore;

  beforeEach(async () => {
    inner = new MemoryStore();
    store = new EncryptedStore(inner, new KeySealer([SECRET]));
    await call((done) => store.set('sid', session('the-session-key'), done));
  });

  it('stores only the sealed key, and gives the plain one back', async () => {
    const stored = await raw(inner, 'sid');
    expect(JSON.stringify(stored)).not.toContain('the-session-key');
    expect(stored.lastfm?.user?.sealedKey).toMatch(/^v1\./);
    expect((await call<Stored>((done) => store.get('sid', done)))?.lastfm?.user?.key).toBe('the-session-key');
  });

  it('stores desktop tokens only sealed, gives them back plain, and drops one that no secret opens', async () => {
    const signedIn = session('the-session-key');
    const withTokens: Stored = { ...signedIn, lastfm: { ...signedIn.lastfm, desktopTokens: [{ id: 'AAAAAAAAAAAAAAAAAAAAAA', token: 'approved-desktop-token', createdAt: 1, status: 'sent' }] } };
    await call((done) => store.set('sid', withTokens, done));
    expect(JSON.stringify(await raw(inner, 'sid'))).not.toContain('approved-desktop-token');
    expect((await call<Stored>((done) => store.get('sid', done)))?.lastfm?.desktopTokens).toEqual(withTokens.lastfm?.desktopTokens);
    const otherSecret = new EncryptedStore(inner, new KeySealer(['another-secret-0123456789abcdefghijklmn']));
    expect((await call<Stored>((done) => otherSecret.get('sid', done)))?.lastfm?.desktopTokens).toEqual([]);
  });

  it('touches without sealing again: the sealed form stays byte for byte as it was', async () => {
    const before = (await raw(inner, 'sid')).lastfm?.user?.sealedKey;
    const opened = await call<SessionData>((done) => store.get('sid', done));
    if (opened === undefined) throw new Error('no session');
    await call((done) => store.touch('sid', opened, done));
    await call((done) => store.set('sid', opened, done));
    expect((await raw(inner, 'sid')).lastfm?.user?.sealedKey).toBe(before);
  });

  it('writes a new session saved again unchanged once, sealed once (express-session saves a regenerated session twice), and again once it changed', async () => {
    const sealer = new KeySealer([SECRET]);
    const seals = jest.spyOn(sealer, 'seal');
    const own = new EncryptedStore(inner, sealer);
    const writes = jest.spyOn(inner, 'set');
    const fresh = session('a-fresh-key');
    await call((done) => own.set('new', fresh, done));
    await call((done) => own.set('new', fresh, done));
    expect(writes).toHaveBeenCalledTimes(1);
    expect(seals).toHaveBeenCalledTimes(1);

    // Another request ends the session in between: the unchanged second save does not bring it back.
    await call((done) => inner.destroy('new', done));
    await call((done) => own.set('new', fresh, done));
    expect(await call((done) => inner.get('new', done))).toBeUndefined();

    fresh.csrfToken = 'changed';
    await call((done) => own.set('new', fresh, done));
    expect(writes).toHaveBeenCalledTimes(2);
    expect(seals).toHaveBeenCalledTimes(1);
    expect((await raw(inner, 'new')).csrfToken).toBe('changed');
    // The same session under another id is another write.
    await call((done) => own.set('newer', fresh, done));
    expect(writes).toHaveBeenCalledTimes(3);
  });

  it('saves a new session again as a touch when only its rolling cookie moved: one write, the later expiry kept, and no write once it has ended', async () => {
    const own = new EncryptedStore(inner, new KeySealer([SECRET]));
    const writes = jest.spyOn(inner, 'set');
    const touches = jest.spyOn(inner, 'touch');
    const fresh = session('a-fresh-key');
    await call((done) => own.set('new', fresh, done));
    const firstExpiry = Date.parse((await raw(inner, 'new')).cookie.expires);
    // As express-session's rolling cookie does between the route's save and its own at the end.
    await new Promise((resolve) => setTimeout(resolve, 5));
    fresh.cookie.maxAge = 60_000;
    await call((done) => own.set('new', fresh, done));
    expect(writes).toHaveBeenCalledTimes(1);
    expect(touches).toHaveBeenCalledTimes(1);
    expect(Date.parse((await raw(inner, 'new')).cookie.expires)).toBeGreaterThan(firstExpiry);

    await call((done) => inner.destroy('new', done));
    fresh.cookie.maxAge = 60_000;
    await call((done) => own.set('new', fresh, done));
    expect(await call((done) => inner.get('new', done))).toBeUndefined();
    expect(writes).toHaveBeenCalledTimes(1);
  });

  it('seals afresh when the key was replaced after opening', async () => {
    const opened = await call<Stored>((done) => store.get('sid', done));
    if (opened?.lastfm?.user === undefined) throw new Error('no session');
    opened.lastfm.user.key = 'a-new-key';
    await call((done) => store.set('sid', opened, done));
    expect(JSON.stringify(await raw(inner, 'sid'))).not.toContain('a-new-key');
    expect((await call<Stored>((done) => store.get('sid', done)))?.lastfm?.user?.key).toBe('a-new-key');
  });

  it('keeps the remembered sealed form out of anything serialized', async () => {
    const opened = await call<Stored>((done) => store.get('sid', done));
    expect(Object.keys(opened?.lastfm?.user ?? {}).sort()).toEqual(['key', 'name', 'signedInAt', 'subscriber']);
    expect(JSON.stringify(opened)).not.toContain('v1.');
  });

  it('opens a key once for repeated reads, but never for another user it was copied to', async () => {
    const sealer = new KeySealer([SECRET]);
    const opens = jest.spyOn(sealer, 'open');
    const own = new EncryptedStore(inner, sealer);
    await call((done) => own.set('sid', session('the-session-key'), done));
    for (let i = 0; i < 3; i += 1) expect((await call<Stored>((done) => own.get('sid', done)))?.lastfm?.user?.key).toBe('the-session-key');
    expect(opens).toHaveBeenCalledTimes(1);

    const stored = await raw(inner, 'sid');
    const copied = { ...stored, lastfm: { user: { ...stored.lastfm?.user, name: 'mallory' } } };
    await call((done) => inner.set('other', copied as unknown as SessionData, done));
    const theirs = await call<Stored>((done) => own.get('other', done));
    expect(theirs).toBeDefined();
    expect(theirs?.lastfm?.user).toBeUndefined();
  });

  it('reads a session stored before the sign-in moved under `lastfm` as signed out, its old key and sign-ins dropped', async () => {
    const old = { ...session('unused'), lastfm: undefined };
    await call((done) => inner.set('old', { cookie: old.cookie, user: { name: 'rj', sealedKey: new KeySealer([SECRET]).seal('old-key', 'lastfm-session-key:rj'), subscriber: false, signedInAt: 1 }, pendingSignIns: {}, csrfToken: 'kept' } as unknown as SessionData, done));
    const opened = await call<Stored & { user?: unknown; pendingSignIns?: unknown }>((done) => store.get('old', done));
    expect(opened?.csrfToken).toBe('kept');
    expect(opened?.user).toBeUndefined();
    expect(opened?.pendingSignIns).toBeUndefined();
    expect(opened?.lastfm?.user).toBeUndefined();
  });
});
