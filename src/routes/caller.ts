import type { Request } from 'express';
import type { LastfmClient } from 'lastfm-sign-in';
import { signedInUser } from '../signed-in-user';

/**
 * Who a Last.fm call is made for, so the scheduler can keep one caller from filling the queue:
 * the browser session once signed in, the client address before (a signed-out flooder could
 * otherwise start a new session for every request).
 */
export function callerOf(req: Request): string {
  return signedInUser(req) === undefined ? `address:${req.ip ?? 'unknown'}` : `session:${req.sessionID}`;
}

/** The Last.fm client for this request: its calls are logged with the request id and counted against its caller. */
export function lastfmFor(lastfm: LastfmClient, req: Request): LastfmClient {
  return lastfm.forRequest(req.id, callerOf(req));
}
