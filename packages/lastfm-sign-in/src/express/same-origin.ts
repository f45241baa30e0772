import type { Request } from 'express';
import type { Settings } from './options';

/**
 * Whether a state-changing request came from this site's own pages. Browsers say so in
 * `Sec-Fetch-Site`, and older ones in `Origin`; a request carrying neither cannot be told apart
 * from a forged one, so it is refused too. That is what makes the library's POSTs safe without
 * the host's CSRF tokens: a form on another site cannot send one that passes.
 */
export function isSameOrigin(req: Request, siteOrigin: string): boolean {
  const fetchSite = req.get('sec-fetch-site');
  if (fetchSite !== undefined) return fetchSite === 'same-origin';
  const origin = req.get('origin');
  return origin !== undefined && origin === siteOrigin;
}

/** Same-origin, or (carrying neither header) let through by the host's `trustWithoutOrigin`. */
export function isOwnRequest(req: Request, settings: Settings): boolean {
  if (isSameOrigin(req, settings.publicUrl.origin)) return true;
  const unmarked = req.get('sec-fetch-site') === undefined && req.get('origin') === undefined;
  return unmarked && settings.trustWithoutOrigin !== undefined && settings.trustWithoutOrigin(req);
}
