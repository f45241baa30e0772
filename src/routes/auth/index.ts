import { Router, type ErrorRequestHandler } from 'express';
import type { AttemptCounter, LastfmClient, RateLimiter } from 'lastfm-sign-in';
import { lastfmSignIn, SignInError, type LastfmSignIn, type PasswordFlowOptions, type SharedSignInState } from 'lastfm-sign-in/express';
import type { Config } from '../../config';
import { failuresAs } from '../../failure-pages';
import { limitSignInCalls } from '../../middleware/sign-in-rate';
import { countSignInStart } from '../../middleware/sign-in-starts';
import type { SignOutRegistry } from '../../stores/backend';
import { wantsJson } from '../../wants-json';
import { lastfmFor } from '../caller';
import { createPasswordPage } from '../password-page';
import { createSignOut } from './sign-out';

export interface SignInDeps {
  config: Config;
  lastfm: LastfmClient;
  now: () => number;
  /** Told of each sign-in, whichever flow it came by, with the new key (the outbox sends what waited for one). */
  onSignIn: (user: { name: string; key: string }) => Promise<void>;
  /** Web sign-ins and desktop tokens started per address (SIGN_IN_STARTS). */
  signInStarts: AttemptCounter;
  /** The desktop flow's exchange guard and the password flow's attempt counters, shared by every instance. */
  shared: Pick<SharedSignInState, 'exchanges' | 'attempts'>;
  /** Password attempts per address and per user name (default 5 in 15 minutes each). */
  passwordLimits: PasswordLimits | undefined;
}

/**
 * `perClient` counts every attempt from one address; `perUser` one user name's attempts from
 * browsers that never signed in as it (a browser that did has its own allowance).
 */
export type PasswordLimits = Pick<PasswordFlowOptions, 'perClient' | 'perUser'>;

const HOME = { href: '/', label: 'Back to the start page' };
const TO_LIST = { href: '/desktop', label: 'Back to your tokens' };

/**
 * The library's sign-in, set up as this app signs in: under /auth, over the app's client and its
 * shared budget, each request's calls counted against its caller, failures handed to the app's
 * error edge (failure-pages.ts) for its own pages. Built once per app; the app reads who is signed
 * in only through it (signed-in-user.ts).
 */
export function createLastfmSignIn({ config, lastfm, now, onSignIn, signInStarts, shared, passwordLimits }: SignInDeps): LastfmSignIn {
  const signIn: LastfmSignIn = lastfmSignIn({
    client: lastfm,
    apiUrl: config.lastfm.apiUrl,
    publicUrl: config.publicUrl,
    mountPath: '/auth',
    failures: 'next',
    signedInMaxAge: config.session.ttlMs,
    requestClient: (req) => lastfmFor(lastfm, req),
    desktop: { page: '/desktop', afterToken: '/desktop#tokens', notices: true },
    password: { ...passwordLimits, path: '/mobile', page: '/auth/mobile', deviceSecret: config.session.secrets[0] },
    shared,
    // Every POST under /auth has passed the app's form-token check (middleware/csrf.ts) first.
    trustWithoutOrigin: () => true,
    onStart: (req, res) => countSignInStart(signInStarts, req, res, req.path === '/login' ? HOME : TO_LIST),
    onSignIn: async (user, req) => {
      // The library tells who, never the key; the outbox needs the key, which the session holds by now.
      const key = signIn.sessionKey(req);
      if (key !== undefined) await onSignIn({ name: user.name, key });
    },
    now,
  });
  return signIn;
}

export interface AuthDeps {
  config: Config;
  signIn: LastfmSignIn;
  now: () => number;
  signOuts: SignOutRegistry;
  /** Drops a person's waiting scrobbles and key (their choice when signing out everywhere). */
  discardWaiting: (user: string) => Promise<number>;
  /** Per address, every instance together: the sign-in requests that call Last.fm. */
  signInCalls: RateLimiter;
}

/**
 * Declining on Last.fm's page is a choice, not a failure: a plain page with a way back. Scripts
 * still get the refusal as an error. (A Last.fm answer that says so carries its cause and is an
 * error page.)
 */
const declined: ErrorRequestHandler = (error: unknown, req, res, next) => {
  if (!(error instanceof SignInError) || error.code !== 'access-declined' || error.cause !== undefined || wantsJson(req)) {
    next(error);
    return;
  }
  res.render('declined', { title: 'You did not give access' });
};

/**
 * Everything under /auth: the three ways to sign in, and the two ways to sign out. Each flow's
 * Last.fm failures reach the error handler marked with the flow, so the page offers its way back.
 */
export function createAuthRouter(deps: AuthDeps): Router {
  const { config, now, signIn } = deps;
  const router = Router();
  // Each of these may call Last.fm for someone who is not signed in: a rate per address, before anything else.
  const limited = limitSignInCalls(deps.signInCalls);
  router.get('/callback', limited);
  router.post(['/desktop/token', '/desktop/session', '/mobile'], limited);
  router.use(['/login', '/callback'], failuresAs('web-sign-in'));
  router.use('/desktop', failuresAs('desktop-sign-in'));
  const passwordPage = createPasswordPage(config);
  router.use('/mobile', failuresAs('mobile-sign-in'), passwordPage.page);
  // Sign-out is the app's own: it destroys the session and drops its cookie, and "everywhere" reaches other browsers.
  router.use(createSignOut({ config, signOuts: deps.signOuts, now, discardWaiting: deps.discardWaiting }));
  router.use(signIn.router, declined);
  router.use('/mobile', passwordPage.formErrors);
  return router;
}
