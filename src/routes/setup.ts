import { Router } from 'express';
import type { Config, SessionStoreKind } from '../config';
import { checkSetup, viewRequest } from '../setup-check';

/** GET /setup: what the app computed and saw, for whoever is putting it behind a proxy. */
export function createSetupRouter(config: Config, sessionStore: SessionStoreKind): Router {
  const router = Router();
  router.get('/setup', (req, res) => {
    const report = checkSetup(config, viewRequest(req, res.locals.prefixStripped === true), sessionStore);
    res.set('Cache-Control', 'no-store');
    if (req.accepts(['html', 'json']) === 'json') {
      res.json(report);
      return;
    }
    res.render('setup', { title: 'Setup check', report });
  });
  return router;
}
