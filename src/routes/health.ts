import { Router } from 'express';

export interface HealthDeps {
  /** Resolves when the session store answers. */
  ready?: () => Promise<void>;
}

const READY_TIMEOUT_MS = 2000;

export function createHealthRouter(deps: HealthDeps = {}): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    try {
      await withTimeout(deps.ready?.() ?? Promise.resolve(), READY_TIMEOUT_MS);
    } catch (error) {
      res.status(503).json({ status: 'unavailable', reason: `session store: ${error instanceof Error ? error.message : String(error)}` });
      return;
    }
    res.json({ status: 'ready' });
  });
  return router;
}

function withTimeout(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
