import { createHash, timingSafeEqual } from 'node:crypto';
import { Router, type Request } from 'express';
import type { AppMetrics } from '../metrics/app-metrics';

/**
 * GET /metrics in Prometheus's text format. With METRICS_TOKEN every scrape must carry it as a
 * Bearer token; without one only this machine may scrape. The loopback test reads the socket's
 * own peer, never X-Forwarded-For: behind a proxy on this machine every request is from loopback,
 * so exposing /metrics through the proxy needs the token.
 */
export function createMetricsRouter(metrics: AppMetrics, token: string | undefined): Router {
  const router = Router();
  const expected = token === undefined ? undefined : digest(token);
  router.get('/metrics', async (req, res) => {
    res.set('Cache-Control', 'no-store');
    if (expected !== undefined) {
      const presented = bearerToken(req);
      // Both sides hashed to one length first, so the comparison takes the same time whatever was sent.
      if (presented === undefined || !timingSafeEqual(digest(presented), expected)) {
        res.status(401).set('WWW-Authenticate', 'Bearer realm="metrics"').type('text/plain').send('Scraping /metrics needs Authorization: Bearer <METRICS_TOKEN>\n');
        return;
      }
    } else if (!isLoopback(req.socket.remoteAddress)) {
      res.status(403).type('text/plain').send('Without METRICS_TOKEN only this machine may scrape /metrics\n');
      return;
    }
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  return router;
}

function bearerToken(req: Request): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(req.get('authorization') ?? '');
  return match?.[1];
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}
