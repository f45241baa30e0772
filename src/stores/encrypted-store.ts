import type { Request } from 'express';
import { Store, type Session, type SessionData } from 'express-session';
import { setNewest } from 'lastfm-sign-in';
import type { LastfmSessionData } from 'lastfm-sign-in/express';
import { SessionStoreUnavailableError } from '../errors';
import { callbackOnce, STORE_DEADLINE_MS } from './deadline';
import type { KeySealer } from './key-sealer';
import { hasStored, isUpdating, markLoaded, takeTouched, touchIfStored, updateStored, wasLoaded, type UpdatingStore } from './still-stored';

/** The signed-in person as the library keeps them in `req.session.lastfm`, key opened. */
interface SessionUser {
  name: string;
  key: string;
  subscriber: boolean;
  signedInAt: number;
}

/** How a signed-in user is written to a store: the Last.fm session key only ever sealed. */
interface StoredUser extends Omit<SessionUser, 'key'> {
  sealedKey: string;
}

/** The session as this store sees it: the library's part under `lastfm`, the app's beside it. */
type WithLastfm = SessionData & { lastfm?: LastfmSessionData };

/**
 * What sessions kept before the sign-in moved into the library held at the top: a person signed in
 * then is signed out by the upgrade (their sealed key is dropped, never moved), and a sign-in or
 * desktop token under way then has to start again.
 */
const OLD_LAYOUT: ReadonlySet<string> = new Set(['user', 'pendingSignIns', 'desktopTokens', 'desktopNotice']);

const CONTEXT = 'lastfm-session-key:';
const TOKEN_CONTEXT = 'lastfm-desktop-token:';

/** A desktop token as the library keeps it, Last.fm token opened. */
type DesktopToken = NonNullable<LastfmSessionData['desktopTokens']>[number];

/** How a desktop token is written to a store: the Last.fm token only ever sealed. */
interface StoredDesktopToken extends Omit<DesktopToken, 'token'> {
  sealedToken: string;
}
/** How many opened keys are remembered (see `openKey`). */
const RECENTLY_OPENED = 1000;

/**
 * On a user this store opened: the sealed form it was opened from. express-session touches the
 * session at the end of every request, and sealing afresh each time (a new IV, AES-GCM) was a few
 * percent of a page view's CPU; the key has not changed, so the sealed form it came in still holds.
 * A symbol, so it is never serialized, and checked against the key in case a route replaced it.
 */
const OPENED_FROM = Symbol('sealed form');

interface OpenedUser extends SessionUser {
  [OPENED_FROM]?: { key: string; name: string; sealedKey: string };
}

/**
 * Wraps any express-session store: seals `lastfm.user.key` (and each desktop token) on the way in and opens it on the way out, so
 * the rest of the app reads the key in plaintext while no store ever holds it. A key that no
 * known secret opens signs the person out instead of failing. Every error of the inner store
 * becomes a SessionStoreUnavailableError (a 503 at the edge), and so does an answer slower than
 * `deadlineMs`.
 * A session read from the store is only ever updated in place (still-stored.ts), so a request
 * that ends after a sign-out cannot write the destroyed session back.
 */
export class EncryptedStore extends Store implements UpdatingStore {
  private readonly recentlyOpened = new Map<string, string>();
  /**
   * A new session as this store last wrote it, by the live session object: express-session writes
   * a session again at the end of a request that regenerated it even when the request already
   * saved it (expressjs/session#935), as every sign-in does. Unchanged, that second write is
   * skipped; it would also write back a session another request ended in between.
   */
  private readonly lastWritten = new WeakMap<object, string>();
  constructor(
    private readonly inner: Store,
    private readonly sealer: KeySealer,
    /** 'in-process' for a store that answers from this process: no timer per call (deadline.ts). */
    private readonly deadlineMs: number | 'in-process' = STORE_DEADLINE_MS,
  ) {
    super();
  }

  override get(sid: string, callback: (err: unknown, session?: SessionData | null) => void): void {
    const done = this.settleOnce(callback);
    this.guard(done, () => {
      this.inner.get(sid, (error: unknown, stored?: SessionData | null) => {
        if (error) {
          done(SessionStoreUnavailableError.from(error));
          return;
        }
        done(null, stored === undefined || stored === null ? stored : this.open(stored));
      });
    });
  }

  override set(sid: string, session: SessionData, callback?: (err?: unknown) => void): void {
    if (wasLoaded(session)) {
      // Gone meanwhile means signed out meanwhile: nothing to write, and nothing went wrong.
      this.update(sid, session, (error) => callback?.(error));
      return;
    }
    const done = this.settleOnce(callback);
    this.guard(done, () => {
      const sealed = this.seal(session);
      const written = `${sid}\u0000${JSON.stringify(withoutExpiry(sealed))}`;
      if (this.lastWritten.get(session) === written) {
        // The same session again, its cookie's expiry pushed back by the rolling cookie in between:
        // that is a touch, and only if it is still stored, so an end meanwhile is not undone.
        touchIfStored(this.inner, sid, this.touchable(session), (error) => done(error ? SessionStoreUnavailableError.from(error) : undefined));
        return;
      }
      // Noted as issued, not as answered: a later write of the same object is compared with this one.
      this.lastWritten.set(session, written);
      this.inner.set(sid, sealed, (error: unknown) => {
        if (error) {
          if (this.lastWritten.get(session) === written) this.lastWritten.delete(session);
          done(SessionStoreUnavailableError.from(error));
          return;
        }
        done(undefined);
      });
    });
  }

  update(sid: string, session: SessionData, callback: (err: unknown, written?: boolean) => void): void {
    const done = this.settleOnce(callback);
    this.guard(done, () => {
      updateStored(this.inner, sid, this.seal(session), (error, written) => done(error ? SessionStoreUnavailableError.from(error) : null, written));
    });
  }

  has(sid: string, callback: (err: unknown, present?: boolean) => void): void {
    const done = this.settleOnce(callback);
    this.guard(done, () => {
      hasStored(this.inner, sid, (error, present) => done(error ? SessionStoreUnavailableError.from(error) : null, present));
    });
  }

  touchIfStored(sid: string, session: SessionData, callback: (err: unknown, present?: boolean) => void): void {
    const done = this.settleOnce(callback);
    this.guard(done, () => {
      touchIfStored(this.inner, sid, this.touchable(session), (error, present) => done(error ? SessionStoreUnavailableError.from(error) : null, present));
    });
  }

  /** express-session builds every session it read from the store here; fresh ones elsewhere. */
  override createSession(req: Request, data: SessionData): Session & SessionData {
    const session = super.createSession(req, data);
    markLoaded(session);
    return session;
  }

  override touch(sid: string, session: SessionData, callback?: (err?: unknown) => void): void {
    // Touched already on the way out, with the sign-out check (signed-out-stays.ts). Answered at
    // once, so express-session also sends the page in one write rather than holding back its last byte.
    if (takeTouched(session)) {
      callback?.();
      return;
    }
    // A touch only pushes the expiry back, and express-session runs it once the page is ready: a
    // failure then would race the page with an error page, so it is dropped and the page stands.
    const settle = callbackOnce(this.deadlineMs, () => callback?.());
    const done = () => settle(undefined);
    this.guard(settle, () => {
      if (this.inner.touch === undefined) this.inner.set(sid, this.seal(session), done);
      else this.inner.touch(sid, this.touchable(session), done);
    });
  }

  override destroy(sid: string, callback?: (err?: unknown) => void): void {
    const done = this.settleOnce(callback);
    this.guard(done, () => {
      this.inner.destroy(sid, (error: unknown) => done(error ? SessionStoreUnavailableError.from(error) : undefined));
    });
  }

  /** The callback, called once, within the deadline, with any error as a SessionStoreUnavailableError. */
  private settleOnce<A extends unknown[]>(callback: ((err: unknown, ...rest: A) => void) | undefined): (err: unknown, ...rest: A) => void {
    return callbackOnce(this.deadlineMs, (error: unknown, ...rest: A) => {
      if (error) callback?.(SessionStoreUnavailableError.from(error), ...rest);
      else callback?.(error, ...rest);
    });
  }

  /** A store that throws instead of calling back must not take the request down with a 500. */
  private guard(callback: ((err: unknown) => void) | undefined, run: () => void): void {
    try {
      run();
    } catch (error) {
      callback?.(SessionStoreUnavailableError.from(error));
    }
  }

  /**
   * What a touch hands the inner store. This app's own stores read only the cookie's expiry there
   * (UpdatingStore), so nothing is sealed or copied for them; any other store gets the sealed session.
   */
  private touchable(session: SessionData): SessionData {
    return isUpdating(this.inner) ? ({ cookie: session.cookie } as SessionData) : this.seal(session);
  }

  private seal(session: SessionData): SessionData {
    const lastfm = (session as WithLastfm).lastfm;
    if (lastfm === undefined) return session;
    // The stored form differs from the live one on purpose; stores only serialize it.
    const sealed: Record<string, unknown> = { ...lastfm };
    if (lastfm.desktopTokens !== undefined) sealed.desktopTokens = this.sealTokens(lastfm.desktopTokens);
    const user = lastfm.user as OpenedUser | undefined;
    if (user?.key !== undefined) {
      const sealedKey = this.sealedKeyOf(user);
      const stored: StoredUser = { name: user.name, subscriber: user.subscriber, signedInAt: user.signedInAt, sealedKey };
      sealed.user = stored;
    }
    return { ...session, lastfm: sealed } as WithLastfm;
  }

  /**
   * The key's sealed form, sealed once per live user: kept on the user (never serialized) so a
   * session written twice in one request, or touched later, holds the same bytes.
   */
  private sealedKeyOf(user: OpenedUser & { key: string }): string {
    const opened = user[OPENED_FROM];
    if (opened?.key === user.key && opened.name === user.name) return opened.sealedKey;
    const sealedKey = this.sealer.seal(user.key, CONTEXT + user.name);
    if (Object.isExtensible(user)) Object.defineProperty(user, OPENED_FROM, { value: { key: user.key, name: user.name, sealedKey }, enumerable: false, configurable: true });
    return sealedKey;
  }

  /**
   * A desktop token, once approved, gets whoever holds it a session key for an hour: it is kept
   * sealed like the key, bound to its entry's id.
   */
  private sealTokens(tokens: readonly DesktopToken[]): StoredDesktopToken[] {
    return tokens.map(({ id, token, createdAt, status }) => ({ id, sealedToken: this.sealer.seal(token, TOKEN_CONTEXT + id), createdAt, status }));
  }

  /** A token no configured secret opens is dropped, as a key is: the person makes a new one. */
  private openTokens(raw: readonly StoredDesktopToken[]): DesktopToken[] {
    return raw.flatMap((entry) => {
      const token = typeof entry.sealedToken === 'string' ? this.sealer.open(entry.sealedToken, TOKEN_CONTEXT + entry.id) : undefined;
      return token === undefined ? [] : [{ id: entry.id, token, createdAt: entry.createdAt, status: entry.status }];
    });
  }

  /**
   * Opening the key (AES-GCM) on every request was the largest cost this store added to a page
   * view, and most requests never use the key. Recently opened keys are kept, by sealed form and
   * user name, in this process's memory, which already holds the secrets that open them all.
   */
  private openKey(user: StoredUser): string | undefined {
    const memoKey = `${user.name}\u0000${user.sealedKey}`;
    const known = this.recentlyOpened.get(memoKey);
    if (known !== undefined) return known;
    const key = this.sealer.open(user.sealedKey, CONTEXT + user.name);
    if (key === undefined) return undefined;
    setNewest(this.recentlyOpened, memoKey, key, RECENTLY_OPENED);
    return key;
  }

  private open(sealed: SessionData): SessionData {
    // Rebuilt only when an old-layout field is there: this runs on every request with a session.
    const stored = hasOldLayout(sealed) ? (Object.fromEntries(Object.entries(sealed).filter(([field]) => !OLD_LAYOUT.has(field))) as WithLastfm) : (sealed as WithLastfm);
    const lastfm = stored.lastfm as Record<string, unknown> | undefined;
    if (lastfm === undefined) return stored;
    // Copied without `delete`, which would leave V8 a slow dictionary object on every request.
    const { user: sealedUser, ...opened } = lastfm;
    if (Array.isArray(lastfm.desktopTokens)) opened.desktopTokens = this.openTokens(lastfm.desktopTokens as StoredDesktopToken[]);
    const user = sealedUser === undefined ? undefined : readStoredUser(sealedUser);
    const key = user === undefined ? undefined : this.openKey(user);
    // No readable key: the session goes on, signed out.
    if (user !== undefined && key !== undefined) {
      const person: OpenedUser = { name: user.name, key, subscriber: user.subscriber, signedInAt: user.signedInAt };
      Object.defineProperty(person, OPENED_FROM, { value: { key, name: user.name, sealedKey: user.sealedKey }, enumerable: false, configurable: true });
      opened.user = person;
    }
    return { ...stored, lastfm: opened } as WithLastfm;
  }

}

function hasOldLayout(session: object): boolean {
  for (const field of OLD_LAYOUT) if (Object.hasOwn(session, field)) return true;
  return false;
}

function readStoredUser(raw: unknown): StoredUser | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const { name, subscriber, signedInAt, sealedKey } = raw as Record<string, unknown>;
  if (typeof name !== 'string' || typeof subscriber !== 'boolean' || typeof signedInAt !== 'number' || typeof sealedKey !== 'string') return undefined;
  return { name, subscriber, signedInAt, sealedKey };
}

/**
 * A session as written, but for when its cookie ends: every save of a rolling cookie moves the
 * expiry (and `originalMaxAge`, worked out from it against the clock).
 */
function withoutExpiry(session: SessionData): unknown {
  const { cookie, ...rest } = session;
  return { ...rest, cookie: { path: cookie.path, domain: cookie.domain, httpOnly: cookie.httpOnly, secure: cookie.secure, sameSite: cookie.sameSite } };
}
