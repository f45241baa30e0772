import { Router } from 'express';
import type { Config } from '../config';
import { SessionStoreUnavailableError } from '../errors';
import { destroySession } from '../session';
import type { SignOutRegistry } from '../stores/backend';
import { signedOutPath } from './home';

export interface SignOutEverywhereDeps {
  config: Config;
  signOuts: SignOutRegistry;
  now: () => number;
}

/** Ends every session of the signed-in person, in every browser, this one included. */
export function createSignOutEverywhereRouter({ config, signOuts, now }: SignOutEverywhereDeps): Router {
  const router = Router();
  router.post('/auth/logout-everywhere', async (req, res) => {
    const user = req.session.user;
    if (user !== undefined) {
      try {
        await signOuts.record(user.name, now());
      } catch (error) {
        throw SessionStoreUnavailableError.from(error);
      }
    }
    await destroySession(req);
    res.clearCookie(config.session.cookieName, { path: `${config.basePath}/`, httpOnly: true, sameSite: 'lax', secure: config.session.secureCookie });
    res.redirect(303, signedOutPath(config.basePath, 'everywhere'));
  });
  return router;
}
