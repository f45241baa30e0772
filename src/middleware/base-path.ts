import type { RequestHandler } from 'express';

/**
 * Lets the reverse proxy either pass the sub-path through (`/lastfm/auth/callback`) or strip it
 * (`/auth/callback`): a stripped request gets the prefix back before routing, so the routes, the
 * session cookie's path check and the logs all see the public path.
 */
export function restoreBasePath(basePath: string): RequestHandler {
  return (req, res, next) => {
    const url = req.url;
    if (basePath === '') {
      next();
      return;
    }
    if (url === basePath || url.startsWith(`${basePath}?`)) {
      // The session cookie's path is `${basePath}/`, so the bare sub-path would be served without
      // a session: send it to the folder, as a static server does.
      res.redirect(301, `${basePath}/${url.slice(basePath.length)}`);
      return;
    }
    if (!url.startsWith(`${basePath}/`)) {
      req.url = `${basePath}${url}`;
      req.originalUrl = req.url;
      res.locals.prefixStripped = true;
    }
    next();
  };
}
