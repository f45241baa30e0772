import type { Request } from 'express';
import type { LastfmSession } from '../index';
import type { SignedInUser, Settings } from './options';
import { dataOf, peekData, regenerateSession, saveSession, setCookieMaxAge, type LastfmSessionData, type StoredUser } from './session-data';

/**
 * Signs the person in on a fresh session id (so an id planted before sign-in is worthless), with
 * the Last.fm session key kept in the session only, sealed when an encryptionKey is set.
 * `carry` is what of the library's own data survives into the new session.
 */
export async function startSignedIn(req: Request, session: LastfmSession, settings: Settings, carry: Omit<LastfmSessionData, 'user'> = {}): Promise<SignedInUser> {
  await regenerateSession(req);
  if (settings.signedInMaxAge !== undefined) setCookieMaxAge(req, settings.signedInMaxAge);
  const user: SignedInUser = { name: session.name, subscriber: session.subscriber, signedInAt: settings.now() };
  const data = dataOf(req);
  Object.assign(data, carry);
  data.user = settings.sealer === undefined ? { ...user, key: session.key } : { ...user, sealedKey: settings.sealer.seal(session.key, session.name) };
  await saveSession(req);
  await settings.onSignIn?.(user, req);
  return user;
}

/**
 * The person as shown to the host, one object per stored sign-in: pages ask who is signed in many
 * times a request, and the stored object is new with every session read, so this lives no longer.
 */
const shown = new WeakMap<StoredUser, SignedInUser>();

/** Who is signed in, without the key; undefined when nobody is, or the key can no longer be opened. */
export function currentUser(req: Request, settings: Settings): SignedInUser | undefined {
  const stored = peekData(req)?.user;
  if (stored === undefined || sessionKeyOf(req, settings) === undefined) return undefined;
  let user = shown.get(stored);
  if (user === undefined || user.name !== stored.name || user.subscriber !== stored.subscriber || user.signedInAt !== stored.signedInAt) {
    user = Object.freeze({ name: stored.name, subscriber: stored.subscriber, signedInAt: stored.signedInAt });
    shown.set(stored, user);
  }
  return user;
}

/** The Last.fm session key of the signed-in person, opened; never for a page or a log. */
export function sessionKeyOf(req: Request, settings: Settings): string | undefined {
  const stored = peekData(req)?.user;
  if (stored === undefined) return undefined;
  if (stored.sealedKey !== undefined) return settings.sealer?.open(stored.sealedKey, stored.name);
  // A key kept in clear is refused once sealing is on: the host asked that no store hold one.
  return settings.sealer === undefined ? stored.key : undefined;
}

/** Ends the sign-in here: the session gets a new id with nothing of the library's in it. */
export async function endSignedIn(req: Request, settings: Settings): Promise<void> {
  const user = currentUser(req, settings);
  await regenerateSession(req);
  if (user !== undefined) await settings.onSignOut?.(user, req);
}
