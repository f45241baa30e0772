import type { RequestHandler } from 'express';

/**
 * Lets the reverse proxy either pass the sub-path through (`/lastfm/auth/callback`) or strip it
 * (`/auth/callback`): a stripped request gets the prefix back before routing, so the routes, the
 * session cookie's path check and the logs all see the public path.
 */
export function restoreBasePath(basePath: string): RequestHandler {
  return (req, res, next) => {
    const url = req.url;
    if (basePath !== '' && url !== basePath && !url.startsWith(`${basePath}/`) && !url.startsWith(`${basePath}?`)) {
      req.url = `${basePath}${url}`;
      req.originalUrl = req.url;
      res.locals.prefixStripped = true;
    }
    next();
  };
}
