import { randomBytes } from 'node:crypto';
import { TOKEN_LIFETIME_MS } from 'lastfm-sign-in';

/** Per browser session; the oldest is dropped when an eleventh is made. */
export const MAX_DESKTOP_TOKENS = 10;

/** What the person has done with a token: `expired` also covers Last.fm's error 15. */
export type DesktopTokenStatus = 'new' | 'sent' | 'expired' | 'used';

/**
 * One token from auth.getToken, kept in the server-side session. Pages and URLs name it by `id`,
 * a random handle, so the Last.fm token itself only leaves the server in the redirect to
 * Last.fm's authorize page, where the protocol needs it.
 */
export interface DesktopToken {
  id: string;
  token: string;
  createdAt: number;
  status: DesktopTokenStatus;
}

// Kept beside the code that owns it rather than in session.ts, so this flow's session data lives in one file.
declare module 'express-session' {
  interface SessionData {
    /** Newest first. */
    desktopTokens: DesktopToken[];
    /** Last.fm's answer to "Get session", shown once by the next GET /desktop. */
    desktopNotice: { title: string; message: string };
  }
}

const ID_PATTERN = /^[A-Za-z0-9_-]{22}$/;

export function newDesktopToken(token: string, at: number): DesktopToken {
  return { id: randomBytes(16).toString('base64url'), token, createdAt: at, status: 'new' };
}

/** The list with `entry` first, at most MAX_DESKTOP_TOKENS long. */
export function addDesktopToken(list: readonly DesktopToken[], entry: DesktopToken): DesktopToken[] {
  return [entry, ...list].slice(0, MAX_DESKTOP_TOKENS);
}

/** The status as of `at`: a token nobody used turns expired after an hour, whatever was stored. */
export function currentStatus(entry: DesktopToken, at: number): DesktopTokenStatus {
  if ((entry.status === 'new' || entry.status === 'sent') && at - entry.createdAt > TOKEN_LIFETIME_MS) return 'expired';
  return entry.status;
}

export function findDesktopToken(list: readonly DesktopToken[] | undefined, id: string): DesktopToken | undefined {
  if (list === undefined || !ID_PATTERN.test(id)) return undefined;
  return list.find((entry) => entry.id === id);
}
