import { randomBytes } from 'node:crypto';
import { Router, type Request } from 'express';
import { isLastfmTokenShape, TOKEN_LIFETIME_MS, type LastfmClient } from 'lastfm-sign-in';
import type { Config } from '../../config';
import { HttpError } from '../../errors';
import { saveSession, startUserSession, type PendingSignIn, type SignInListener } from '../../session';
import { lastfmFor } from '../caller';
import { safeReturnTo } from 'lastfm-sign-in/express';
import { optionalString } from '../input';
import type { AttemptCounter } from 'lastfm-sign-in';
import { countSignInStart } from './sign-in-starts';
import { wantsJson } from '../../wants-json';

/** A few sign-ins may be under way at once (several tabs); older ones are dropped. */
const MAX_PENDING = 5;
const STATE_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export interface WebSignInDeps {
  config: Config;
  lastfm: LastfmClient;
  now: () => number;
  /** Told of each sign-in (the account service, which sends scrobbles held for a new key). */
  onSignIn: SignInListener;
  /** Sign-ins started per address, shared with the desktop flow. */
  starts: AttemptCounter;
}

const START_AGAIN = { href: '/auth/login', label: 'Start sign-in again' };
/** Marks a login already sent to PUBLIC_URL's host, so a proxy that hides the host cannot make a loop. */
const MOVED = 'moved';

/** The web flow, mounted at /auth: /login sends the browser to Last.fm, /callback is where it comes back. */
export function createWebSignIn({ config, lastfm, now, onSignIn, starts }: WebSignInDeps): Router {
  const router = Router();

  router.get('/login', async (req, res) => {
    const returnTo = safeReturnTo(req.query.returnTo);
    // Last.fm sends the browser back to PUBLIC_URL, and the browser keeps each host name's cookies
    // apart (ports share them): a sign-in started at 127.0.0.1 could never be finished at
    // localhost. So it starts there.
    if (seenHostname(req) !== config.publicUrl.hostname && req.query[MOVED] === undefined) {
      const there = new URL('auth/login', config.publicUrl);
      if (returnTo !== '/') there.searchParams.set('returnTo', returnTo);
      there.searchParams.set(MOVED, '1');
      res.redirect(303, there.href);
      return;
    }
    await countSignInStart(starts, req, res, { href: '/', label: 'Back to the start page' });
    const state = randomBytes(32).toString('base64url');
    const pending = prunePending(req.session.pendingSignIns ?? {}, now());
    pending[state] = { returnTo, createdAt: now() };
    req.session.pendingSignIns = pending;
    await saveSession(req);

    const callback = new URL('auth/callback', config.publicUrl);
    callback.searchParams.set('state', state);
    res.redirect(303, lastfm.webAuthorizeUrl(callback.href).href);
  });

  router.get('/callback', async (req, res) => {
    const state = optionalString(req.query.state, 'state', 128);
    if (state === undefined || state === '') {
      throw new HttpError(400, 'This sign-in link is incomplete', 'The link Last.fm sent you back with has no state, so it cannot be matched to a sign-in you started here.', { action: START_AGAIN });
    }
    const pendingSignIns = req.session.pendingSignIns;
    const pending = STATE_PATTERN.test(state) && pendingSignIns !== undefined && Object.hasOwn(pendingSignIns, state) ? pendingSignIns[state] : undefined;
    // A state older than a Last.fm token's lifetime could only meet an expired token.
    if (pending === undefined || now() - pending.createdAt > TOKEN_LIFETIME_MS) {
      if (req.session.user === undefined && Object.keys(pendingSignIns ?? {}).length === 0) {
        // Nothing under way in this browser at this address: most often the sign-in started at
        // another address of this app (127.0.0.1 for localhost), whose cookies this one cannot see.
        const home = config.publicUrl.href;
        throw new HttpError(
          400,
          'No sign-in was started here',
          `This browser has no sign-in under way at ${home}. A sign-in has to start at the address Last.fm sends you back to, because browsers keep each address's cookies apart: if you opened this app at another address (such as 127.0.0.1 instead of localhost), open ${home} and sign in from there.`,
          { action: START_AGAIN },
        );
      }
      throw new HttpError(400, 'This sign-in link is not valid here', 'It was already used, has expired, or was started in another browser. Start again from this page.', { action: START_AGAIN });
    }
    // Spent and saved before Last.fm is asked, so a later replay of this URL is refused. Two
    // callbacks racing on the same session can both pass; Last.fm's single-use token limits that.
    delete pendingSignIns?.[state];
    await saveSession(req);

    const token = optionalString(req.query.token, 'token', 128);
    if (token === undefined || token === '') {
      // Declining is a choice, not a failure: a plain page with a way back, not an error page.
      // Scripts still get the refusal as an error.
      if (wantsJson(req)) throw new HttpError(403, 'Access was not allowed', 'Last.fm sent you back without a token, which means access was declined.', { action: START_AGAIN });
      res.render('declined', { title: 'You did not give access' });
      return;
    }
    if (!isLastfmTokenShape(token)) {
      throw new HttpError(400, 'This sign-in link is not valid', 'The token in the link is not one Last.fm would send. Start again.', { action: START_AGAIN });
    }

    const session = await lastfmFor(lastfm, req).getSession(token);
    await startUserSession(req, session, now(), config.session.ttlMs, onSignIn);
    res.redirect(303, `${config.basePath}${pending.returnTo}`);
  });

  return router;
}

function prunePending(pending: Record<string, PendingSignIn>, at: number): Record<string, PendingSignIn> {
  const live = Object.entries(pending)
    .filter(([, entry]) => at - entry.createdAt <= TOKEN_LIFETIME_MS)
    .sort(([, a], [, b]) => b.createdAt - a.createdAt)
    .slice(0, MAX_PENDING - 1);
  return Object.fromEntries(live);
}

/** The host name the browser asked for (after TRUST_PROXY), written as a URL writes it. */
function seenHostname(req: Request): string {
  try {
    return new URL(`${req.protocol}://${req.host}/`).hostname;
  } catch {
    return req.hostname;
  }
}
