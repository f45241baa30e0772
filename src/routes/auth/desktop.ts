import { Router, type Request, type Response } from 'express';
import { kindOfCode, type AttemptCounter, type ExchangeOutcome, type LastfmClient, type LastfmSession, type TokenExchanges } from 'lastfm-sign-in';
import type { Config } from '../../config';
import { addDesktopToken, currentStatus, findDesktopToken, newDesktopToken, type DesktopToken } from '../../desktop-tokens';
import { HttpError, LastfmError } from '../../errors';
import type { LastfmSignIn } from 'lastfm-sign-in/express';
import { countSignInStart } from '../../middleware/sign-in-starts';
import { saveSession } from '../../session';
import { lastfmFailure } from '../../failure-pages';
import { wantsJson } from '../../wants-json';
import { lastfmFor } from '../caller';
import { optionalString } from '../input';

export interface DesktopRoutesDeps {
  config: Config;
  lastfm: LastfmClient;
  now: () => number;
  exchanges: TokenExchanges;
  /** Signs the person in, the library's way. */
  signIn: Pick<LastfmSignIn, 'signIn'>;
  /** Sign-ins started per address, shared with the web flow: each token made is one. */
  starts: AttemptCounter;
}

const TO_LIST = { href: '/desktop', label: 'Back to your tokens' };

/** How a token is shown on the page; never the Last.fm token itself. */
interface TokenRow {
  id: string;
  createdAt: string;
  status: ReturnType<typeof currentStatus>;
}

/**
 * The desktop (token-first) flow, mounted at /auth/desktop: get a token, approve it on Last.fm in
 * another tab, then exchange it. The list of tokens is its own page at /desktop (createDesktopPage).
 */
export function createDesktopSignIn({ config, lastfm, now, exchanges, signIn, starts }: DesktopRoutesDeps): Router {
  const router = Router();
  /**
   * A double click sends two requests with the same token, maybe to two instances: the second
   * would get error 15 (the first spent it) and save the old session back over the sign-in, so
   * the shared guard lets one exchange run and hands its outcome to both.
   */
  const exchange = async (req: Request, token: string): Promise<LastfmSession> => {
    const outcome = await exchanges.once(token, async (): Promise<ExchangeOutcome> => {
      try {
        return { ok: true, ...(await lastfmFor(lastfm, req).getSession(token)) };
      } catch (error) {
        if (error instanceof LastfmError) return { ok: false, code: error.code, message: error.lastfmMessage };
        throw error;
      }
    });
    if (!outcome.ok) throw new LastfmError(outcome.code, outcome.message, 'auth.getSession', 200);
    return { name: outcome.name, key: outcome.key, subscriber: outcome.subscriber };
  };

  /**
   * Post/redirect/get: Last.fm's answer is kept for the list page and the browser sent there, so
   * reloading shows the answer again instead of asking Last.fm again.
   */
  const answerOnList = async (req: Request, res: Response, answer: HttpError): Promise<void> => {
    req.session.desktopNotice = { title: answer.title, message: answer.message };
    await saveSession(req);
    res.redirect(303, `${config.basePath}/desktop`);
  };

  router.post('/token', async (req, res) => {
    await countSignInStart(starts, req, res, TO_LIST);
    const token = await lastfmFor(lastfm, req).getToken();
    req.session.desktopTokens = addDesktopToken(req.session.desktopTokens ?? [], newDesktopToken(token, now()));
    await saveSession(req);
    // Onto the list with the new token, which takes the focus: not back to the top of the page.
    res.redirect(303, `${config.basePath}/desktop#tokens`);
  });

  router.get('/authorize/:token', async (req, res) => {
    const entry = usableToken(req, req.params.token);
    entry.status = 'sent';
    await saveSession(req);
    res.redirect(303, lastfm.desktopAuthorizeUrl(entry.token).href);
  });

  router.post('/session', async (req, res) => {
    const body = req.body as Record<string, unknown> | undefined;
    const id = optionalString(body?.token, 'token', 64);
    if (id === undefined || id === '') {
      throw new HttpError(400, 'No token chosen', 'Choose the token to get a session for from the list.', { action: TO_LIST });
    }
    const entry = usableToken(req, id);

    let session: LastfmSession;
    try {
      session = await exchange(req, entry.token);
    } catch (error) {
      // "Not approved yet" and "expired" are answers about the token, shown on the list; any
      // other failure goes to the edge as it is.
      const kind = error instanceof LastfmError ? kindOfCode(error.code) : undefined;
      if (!(error instanceof LastfmError) || (kind !== 'token-unauthorized' && kind !== 'token-expired')) throw error;
      // Not approved yet is the normal first answer: the token stays as it was (it is "sent" only
      // once the person opened Last.fm's page for it) and the list shows again.
      if (kind === 'token-expired') entry.status = 'expired';
      if (wantsJson(req)) {
        if (kind === 'token-expired') await saveSession(req);
        throw error;
      }
      await answerOnList(req, res, lastfmFailure(error, 'desktop-sign-in'));
      return;
    }

    const list: DesktopToken[] = (req.session.desktopTokens ?? []).map((item) => (item.id === entry.id ? { ...item, status: 'used' } : item));
    await signIn.signIn(req, session);
    // The new session starts empty; the list comes along so the spent token shows as used.
    req.session.desktopTokens = list;
    await saveSession(req);
    res.redirect(303, `${config.basePath}/`);
  });

  /** A token of this session that can still be approved or exchanged; anything else is refused before Last.fm is asked. */
  function usableToken(req: Request, id: string): DesktopToken {
    const entry = findDesktopToken(req.session.desktopTokens, id);
    if (entry === undefined) {
      throw new HttpError(404, 'No such token here', 'This token is not in this browser\'s list. Tokens belong to the browser that created them; create a new one.', { action: TO_LIST });
    }
    const status = currentStatus(entry, now());
    if (status === 'used') {
      throw new HttpError(400, 'This token was already used', 'A token gives one session and this one already did. Create a new token to sign in again.', { action: TO_LIST });
    }
    if (status === 'expired') {
      throw new HttpError(400, 'This token has expired', 'Tokens last 60 minutes, and Last.fm will not accept this one any more. Create a new token.', { action: TO_LIST });
    }
    return entry;
  }

  return router;
}

/** GET /desktop: this browser's tokens, and Last.fm's last answer about one of them. */
export function createDesktopPage(now: () => number): Router {
  const router = Router();
  router.get('/', (req, res) => {
    const notice = req.session.desktopNotice;
    if (notice !== undefined) delete req.session.desktopNotice;
    const at = now();
    const tokens: TokenRow[] = (req.session.desktopTokens ?? []).map((entry) => ({
      id: entry.id,
      createdAt: new Date(entry.createdAt).toISOString().slice(11, 19),
      status: currentStatus(entry, at),
    }));
    res.render('desktop', { title: notice === undefined ? 'Sign in with a desktop token' : `Error: ${notice.title}`, tokens, notice });
  });
  return router;
}
