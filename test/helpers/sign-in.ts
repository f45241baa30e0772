import type { Express } from 'express';
import type { SessionData, Store } from 'express-session';
import request from 'supertest';
import type { LastfmSessionData } from 'lastfm-sign-in/express';
import type { FakeLastfm } from './fake-lastfm';
import { sessionCookie } from './app';

const COOKIE_NAME = 'lastfm_signin.sid';

/**
 * Signs `user` in through the web flow against an app (or a running server's base URL), with the
 * fake Last.fm approving, and returns the Cookie header value of the signed-in session.
 */
export async function signInAs(target: Express | string, fake: FakeLastfm, user: string): Promise<string> {
  const login = await request(target).get('/auth/login').expect(303);
  const started = sessionCookie(login, COOKIE_NAME);
  const cb = new URL(new URL(login.headers.location as string).searchParams.get('cb') ?? '');
  const state = cb.searchParams.get('state') ?? '';
  const token = fake.approveToken(user);
  const done = await request(target)
    .get(`/auth/callback?state=${state}&token=${token}`)
    .set('Cookie', `${COOKIE_NAME}=${started ?? ''}`)
    .expect(303);
  const signedIn = sessionCookie(done, COOKIE_NAME);
  if (signedIn === undefined) throw new Error('sign-in set no session cookie');
  return `${COOKIE_NAME}=${signedIn}`;
}

/** The session id inside a signed cookie value (`s:<id>.<signature>`). */
export function sessionIdOf(cookie: string): string {
  const value = decodeURIComponent(cookie.slice(cookie.indexOf('=') + 1));
  return value.slice(2, value.lastIndexOf('.'));
}

/** The Last.fm session key a store hands back for a session id (opened), if any. */
export function storedKey(store: Store, sid: string): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    store.get(sid, (error: unknown, session?: SessionData | null) => {
      if (error) reject(error instanceof Error ? error : new Error('store error'));
      else resolve((session as { lastfm?: LastfmSessionData } | null | undefined)?.lastfm?.user?.key);
    });
  });
}
