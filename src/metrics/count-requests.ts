import type { RequestHandler } from 'express';
import type { AppMetrics } from './app-metrics';

const ASSET_MOUNT = /\/(css|js|images)$/;

/**
 * Counts each answered request under its route pattern, so a label never carries a raw path:
 * `/track/love`, `/sandbox/2.0/`; a served asset as its folder (`/css/*`); `(none)` when no route
 * answered (a 404, or middleware such as the CSRF check refusing first).
 */
export function countRequests(metrics: AppMetrics): RequestHandler {
  return (req, res, next) => {
    // The router sets req.route when a route matches; its mount (req.baseUrl) is only right at
    // that moment, since a route that fails hands on to the error handler outside its router.
    let route: unknown;
    let pattern: string | undefined;
    Object.defineProperty(req, 'route', {
      configurable: true,
      enumerable: true,
      get: () => route,
      set: (value: unknown) => {
        route = value;
        const path = typeof value === 'object' && value !== null && 'path' in value ? value.path : undefined;
        pattern = typeof path === 'string' ? `${req.baseUrl}${path}` : undefined;
      },
    });
    res.once('finish', () => metrics.httpRequest(pattern ?? (ASSET_MOUNT.test(req.baseUrl) ? `${req.baseUrl}/*` : '(none)'), res.statusCode));
    next();
  };
}
