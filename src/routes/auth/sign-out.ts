import { Router } from 'express';
import type { Config } from '../../config';
import { endSession } from '../../session';
import type { SignOutRegistry } from '../../stores/backend';
import { signedOutPath } from '../home';

export interface SignOutDeps {
  config: Config;
  signOuts: SignOutRegistry;
  now: () => number;
}

/** Sign-out, mounted at /auth: /logout ends this browser's session, /logout-everywhere every session of the person. */
export function createSignOut({ config, signOuts, now }: SignOutDeps): Router {
  const router = Router();

  router.post('/logout', async (req, res) => {
    await endSession(req, res, config);
    res.redirect(303, signedOutPath(config.basePath, 'here'));
  });

  router.post('/logout-everywhere', async (req, res) => {
    const user = req.session.user;
    if (user !== undefined) await signOuts.record(user.name, now());
    await endSession(req, res, config);
    res.redirect(303, signedOutPath(config.basePath, 'everywhere'));
  });

  return router;
}
