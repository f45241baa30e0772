import { Router } from 'express';
import type { Config } from '../../config';
import { InputError } from '../../errors';
import { endSession } from '../../session';
import { signedInUser } from '../../signed-in-user';
import type { SignOutRegistry } from '../../stores/backend';
import { signedOutPath } from '../home';

export interface SignOutDeps {
  config: Config;
  signOuts: SignOutRegistry;
  now: () => number;
  /** Drops the person's waiting scrobbles and key now; returns how many were dropped. */
  discardWaiting: (user: string) => Promise<number>;
}

/** Sign-out, mounted at /auth: /logout ends this browser's session, /logout-everywhere every session of the person. */
export function createSignOut({ config, signOuts, now, discardWaiting }: SignOutDeps): Router {
  const router = Router();

  router.post('/logout', async (req, res) => {
    await endSession(req, res, config);
    res.redirect(303, signedOutPath(config.basePath, 'here'));
  });

  /**
   * The person says what becomes of their waiting scrobbles: `waiting=send` (the default) lets
   * them go out, and the outbox forgets the key once none is left; `waiting=discard` drops them
   * and the key now.
   */
  router.post('/logout-everywhere', async (req, res) => {
    const choice = (req.body as Record<string, unknown> | undefined)?.['waiting'] ?? 'send';
    if (choice !== 'send' && choice !== 'discard') throw new InputError('waiting', 'Choose whether your waiting scrobbles are sent or discarded.');
    const user = signedInUser(req);
    let discarded = false;
    if (user !== undefined) {
      await signOuts.record(user.name, now());
      if (choice === 'discard') discarded = (await discardWaiting(user.name)) > 0;
    }
    await endSession(req, res, config);
    res.redirect(303, signedOutPath(config.basePath, discarded ? 'everywhere-discarded' : 'everywhere'));
  });

  return router;
}
