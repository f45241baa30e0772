import { Router } from 'express';
import type { AttemptCounter, LastfmClient, RateLimiter, TokenExchanges } from 'lastfm-sign-in';
import type { Config } from '../../config';
import { failuresAs } from '../../failure-pages';
import { limitSignInCalls } from '../../middleware/sign-in-rate';
import type { SignInListener } from '../../session';
import type { SignOutRegistry } from '../../stores/backend';
import { createDesktopSignIn } from './desktop';
import type { PasswordAttempts } from '../../password-attempts';
import { createMobileSignIn } from './mobile';
import { createSignOut } from './sign-out';
import { createWebSignIn } from './web';

export interface AuthDeps {
  config: Config;
  lastfm: LastfmClient;
  now: () => number;
  exchanges: TokenExchanges;
  passwordAttempts: PasswordAttempts;
  signOuts: SignOutRegistry;
  /** Told of each sign-in, whichever flow it came by. */
  onSignIn: SignInListener;
  /** Drops a person's waiting scrobbles and key (their choice when signing out everywhere). */
  discardWaiting: (user: string) => Promise<number>;
  /** Web sign-ins and desktop tokens started per address (SIGN_IN_STARTS). */
  signInStarts: AttemptCounter;
  /** Per address, every instance together: the sign-in requests that call Last.fm. */
  signInCalls: RateLimiter;
}

/**
 * Everything under /auth: the three ways to sign in, and the two ways to sign out. Each flow's
 * Last.fm failures reach the error handler marked with the flow, so the page offers its way back.
 */
export function createAuthRouter(deps: AuthDeps): Router {
  const { config, lastfm, now, onSignIn } = deps;
  const router = Router();
  // Each of these may call Last.fm for someone who is not signed in: a rate per address, before anything else.
  const limited = limitSignInCalls(deps.signInCalls);
  router.get('/callback', limited);
  router.post(['/desktop/token', '/desktop/session', '/mobile'], limited);
  router.use(['/login', '/callback'], failuresAs('web-sign-in'));
  router.use(createWebSignIn({ config, lastfm, now, onSignIn, starts: deps.signInStarts }));
  router.use('/desktop', failuresAs('desktop-sign-in'), createDesktopSignIn({ config, lastfm, now, exchanges: deps.exchanges, onSignIn, starts: deps.signInStarts }));
  router.use('/mobile', failuresAs('mobile-sign-in'), createMobileSignIn({ config, lastfm, now, attempts: deps.passwordAttempts, onSignIn }));
  router.use(createSignOut({ config, signOuts: deps.signOuts, now, discardWaiting: deps.discardWaiting }));
  return router;
}
