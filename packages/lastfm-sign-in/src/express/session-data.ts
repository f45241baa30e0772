import type { Request } from 'express';
import { SignInError } from './errors';

/** Who is signed in. The Last.fm session key is kept in `key`, or sealed in `sealedKey` with an `encryptionKey`. */
export interface StoredUser {
  name: string;
  subscriber: boolean;
  signedInAt: number;
  key?: string;
  sealedKey?: string;
}

/** A web sign-in under way: its state travels in the callback URL and must come back exactly once. */
export interface PendingSignIn {
  returnTo: string;
  createdAt: number;
}

export type DesktopTokenStatus = 'new' | 'sent' | 'expired' | 'used';

/** A desktop token kept server-side; pages and URLs name it by `id`, never by the Last.fm token. */
export interface StoredDesktopToken {
  id: string;
  token: string;
  createdAt: number;
  status: DesktopTokenStatus;
}

/** Everything the library keeps, under the one session key `lastfm`. */
export interface LastfmSessionData {
  user?: StoredUser;
  /** Keyed by state. */
  pending?: Record<string, PendingSignIn>;
  /** Newest first. */
  desktopTokens?: StoredDesktopToken[];
  /** Last.fm's answer about a desktop token, shown once by the host's page (`desktop.notices`). */
  desktopNotice?: DesktopNotice;
}

/** What a desktop token's exchange was told, kept for the page the browser is sent back to. */
export interface DesktopNotice {
  code: 'token-not-approved' | 'token-expired';
  title: string;
  message: string;
}

/** What the library needs of express-session's `req.session`; typed here so hosts need not load its types. */
interface SessionLike {
  lastfm?: LastfmSessionData;
  cookie?: { maxAge?: number | null; originalMaxAge?: number | null };
  regenerate(callback: (error?: unknown) => void): unknown;
  save(callback: (error?: unknown) => void): unknown;
}

/** express-session's session of this request; a SignInError `session-missing` when the host mounted none. */
export function sessionOf(req: Request): SessionLike {
  const session = (req as unknown as { session?: Partial<SessionLike> }).session;
  if (session === undefined || typeof session.regenerate !== 'function' || typeof session.save !== 'function') {
    throw new SignInError('session-missing', {
      cause: new Error('req.session is missing'),
    });
  }
  return session as SessionLike;
}

/** The library's part of the session; empty (and not saved) until something is put in it. */
export function dataOf(req: Request): LastfmSessionData {
  const session = sessionOf(req);
  session.lastfm ??= {};
  return session.lastfm;
}

/** Without creating anything: pages that only read who is signed in must not start sessions. */
export function peekData(req: Request): LastfmSessionData | undefined {
  return (req as unknown as { session?: SessionLike }).session?.lastfm;
}

export function saveSession(req: Request): Promise<void> {
  const session = sessionOf(req);
  return new Promise((resolve, reject) => {
    session.save((error?: unknown) => (error ? reject(storeFailure(error)) : resolve()));
  });
}

/** A new session id with nothing in it: an id planted before sign-in, or used before sign-out, is worth nothing. */
export function regenerateSession(req: Request): Promise<void> {
  const session = sessionOf(req);
  return new Promise((resolve, reject) => {
    session.regenerate((error?: unknown) => (error ? reject(storeFailure(error)) : resolve()));
  });
}

/** Lengthens (or shortens) the session cookie of a signed-in person, when the host asked for it. */
export function setCookieMaxAge(req: Request, ms: number): void {
  const cookie = sessionOf(req).cookie;
  if (cookie === undefined) return;
  cookie.originalMaxAge = ms;
  cookie.maxAge = ms;
}

function storeFailure(error: unknown): SignInError {
  return new SignInError('session-unavailable', { cause: error });
}
