import { Router } from 'express';
import { StoreTimeoutError } from '../errors';
import { promiseWithDeadline } from '../stores/deadline';

export interface HealthDeps {
  /** Resolves when the session store answers. */
  ready: () => Promise<void>;
}

const READY_TIMEOUT_MS = 2000;

export function createHealthRouter(deps: HealthDeps): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    try {
      await promiseWithDeadline(deps.ready(), READY_TIMEOUT_MS);
    } catch (error) {
      // Not the store's own message: it can name where the store lives ("Redis at 10.0.0.5:6379"),
      // and anyone who reaches the app reaches /readyz. The store logs the details itself.
      const reason = error instanceof StoreTimeoutError ? `no answer within ${READY_TIMEOUT_MS} ms` : 'not answering';
      res.status(503).json({ status: 'unavailable', reason: `session store: ${reason}` });
      return;
    }
    res.json({ status: 'ready' });
  });
  return router;
}
