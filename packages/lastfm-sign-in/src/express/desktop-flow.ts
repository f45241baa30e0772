import { randomBytes } from 'node:crypto';
import type { Request } from 'express';
import { LastfmError, TOKEN_LIFETIME_MS, type ExchangeOutcome, type LastfmClient, type LastfmSession } from '../index';
import { wantsJson } from './answer';
import { SignInError } from './errors';
import { formFields } from './form-body';
import { oneString } from './fields';
import { signInFailure } from './lastfm-failure';
import type { Settings } from './options';
import { safeReturnTo } from './return-to';
import { isOwnRequest } from './same-origin';
import { dataOf, peekData, saveSession, type DesktopTokenStatus, type StoredDesktopToken } from './session-data';
import { startSignedIn } from './signed-in';
import type { Handler } from './web-flow';

/** Per browser session; the oldest is dropped when an eleventh is made. */
export const MAX_DESKTOP_TOKENS = 10;
const ID_PATTERN = /^[A-Za-z0-9_-]{22}$/;

/** A token as the host's page shows it: never the Last.fm token itself. */
export interface DesktopTokenView {
  id: string;
  createdAt: number;
  status: DesktopTokenStatus;
  /** GET it to open Last.fm's approval page for this token (in a new tab, say). */
  authorizePath: string;
}

/** This browser's tokens, newest first, each with its status as of now. */
export function listDesktopTokens(req: Request, settings: Settings, mountPath: string): DesktopTokenView[] {
  const at = settings.now();
  return (peekData(req)?.desktopTokens ?? []).map((entry) => ({
    id: entry.id,
    createdAt: entry.createdAt,
    status: currentStatus(entry, at),
    authorizePath: authorizePath(settings, entry.id, mountPath),
  }));
}

/** POST desktop/token: a new Last.fm token, kept in this session. */
export function newToken(settings: Settings, afterToken: string): Handler {
  return async (req, res) => {
    if (!isOwnRequest(req, settings)) throw new SignInError('cross-origin');
    await settings.onStart?.(req, res);
    let token: string;
    try {
      token = await settings.clientOf(req).getToken();
    } catch (error) {
      throw signInFailure(error, 'desktop');
    }
    const entry: StoredDesktopToken = { id: randomBytes(16).toString('base64url'), token, createdAt: settings.now(), status: 'new' };
    const data = dataOf(req);
    data.desktopTokens = [entry, ...(data.desktopTokens ?? [])].slice(0, MAX_DESKTOP_TOKENS);
    await saveSession(req);
    if (wantsJson(req)) {
      res.status(201).json({ id: entry.id, createdAt: entry.createdAt, status: entry.status, authorizePath: authorizePath(settings, entry.id) });
      return;
    }
    res.redirect(303, `${settings.prefix}${afterToken}`);
  };
}

/** Where a token's approval starts; the id is in the path, so the link is a plain one to open in a new tab. */
function authorizePath(settings: Settings, id: string, mountPath = settings.mountPath): string {
  return `${settings.prefix}${mountPath}/desktop/authorize/${id}`;
}

/** GET desktop/authorize/<id>: sends the browser to Last.fm to approve the token. */
export function authorizeToken(settings: Settings): Handler {
  return async (req, res) => {
    const entry = usableToken(req, req.path.slice(req.path.lastIndexOf('/') + 1), settings);
    entry.status = 'sent';
    await saveSession(req);
    res.redirect(303, settings.client.desktopAuthorizeUrl(entry.token).href);
  };
}

/** POST desktop/session (field `id`, optional `returnTo`): exchanges an approved token and signs the person in. */
export function exchangeToken(settings: Settings): Handler {
  return async (req, res) => {
    if (!isOwnRequest(req, settings)) throw new SignInError('cross-origin');
    const fields = await formFields(req);
    const id = oneString(fields.id, 'id', 64);
    if (id === undefined || id === '') throw new SignInError('bad-input', { message: 'No token chosen: choose the token to get a session for from the list.', field: 'id' });
    const entry = usableToken(req, id, settings);
    const returnTo = safeReturnTo(fields.returnTo);

    let session: LastfmSession;
    try {
      session = await exchangeOnce(settings, settings.clientOf(req), entry.token);
    } catch (error) {
      const failure = signInFailure(error, 'desktop');
      if (!(failure instanceof SignInError) || (failure.code !== 'token-expired' && failure.code !== 'token-not-approved')) throw failure;
      // Not approved yet is the normal first answer: the token stays as it was.
      if (failure.code === 'token-expired') entry.status = 'expired';
      if (settings.desktop?.notices !== true || wantsJson(req)) {
        if (failure.code === 'token-expired') await saveSession(req);
        throw failure;
      }
      dataOf(req).desktopNotice = { code: failure.code, title: failure.title, message: failure.message };
      await saveSession(req);
      res.redirect(303, `${settings.prefix}${settings.desktop.page}`);
      return;
    }
    const tokens = (peekData(req)?.desktopTokens ?? []).map((item) => (item.id === entry.id ? { ...item, status: 'used' as const } : item));
    await startSignedIn(req, session, settings, { desktopTokens: tokens });
    if (wantsJson(req)) {
      res.status(204).end();
      return;
    }
    res.redirect(303, `${settings.prefix}${returnTo}`);
  };
}

/**
 * A double click sends two requests with the same token, maybe to two instances: the second would
 * get error 15 (the first spent it), so the shared guard runs one exchange and hands its outcome to both.
 */
async function exchangeOnce(settings: Settings, client: LastfmClient, token: string): Promise<LastfmSession> {
  const outcome = await settings.exchanges.once(token, async (): Promise<ExchangeOutcome> => {
    try {
      return { ok: true, ...(await client.getSession(token)) };
    } catch (error) {
      if (error instanceof LastfmError) return { ok: false, code: error.code, message: error.lastfmMessage };
      throw error;
    }
  });
  if (!outcome.ok) throw new LastfmError(outcome.code, outcome.message, 'auth.getSession', 200);
  return { name: outcome.name, key: outcome.key, subscriber: outcome.subscriber };
}

/** A token of this session that can still be approved or exchanged; anything else is refused before Last.fm is asked. */
function usableToken(req: Request, id: string | undefined, settings: Settings): StoredDesktopToken {
  const entry = id !== undefined && ID_PATTERN.test(id) ? peekData(req)?.desktopTokens?.find((item) => item.id === id) : undefined;
  if (entry === undefined) throw new SignInError('no-such-token');
  const status = currentStatus(entry, settings.now());
  if (status === 'used') throw new SignInError('token-used');
  if (status === 'expired') throw new SignInError('token-expired', { message: 'Tokens last 60 minutes, and Last.fm will not accept this one any more. Create a new token.' });
  return entry;
}

/** A token nobody used turns expired after an hour, whatever was stored. */
function currentStatus(entry: StoredDesktopToken, at: number): DesktopTokenStatus {
  if ((entry.status === 'new' || entry.status === 'sent') && at - entry.createdAt > TOKEN_LIFETIME_MS) return 'expired';
  return entry.status;
}
