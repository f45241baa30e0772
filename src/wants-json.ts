import type { Request } from 'express';

/**
 * A script asking for JSON rather than a page. Not `res.format`: a client that accepts neither
 * (or anything) gets the page, as browsers always have, instead of a 406.
 */
export function wantsJson(req: Request): boolean {
  return req.accepts(['html', 'json']) === 'json';
}
