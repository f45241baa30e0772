import type { Request, RequestHandler, Response } from 'express';
import type { Config } from '../config';
import { HttpError, LastfmBusyError } from '../errors';
import type { UserReadCache } from '../lastfm/read-cache';
import { destroySession, type SessionUser } from '../session';
import { setFlash, type Flash } from './flash';
import { InputError } from './input';
import { isLastfmFailure, isRevokedSession, lastfmFailure } from './lastfm-failures';

/** What the signed-in routes share. */
export interface AccountDeps {
  config: Config;
  cache: UserReadCache;
}

/** The signed-in person, or a 401 that offers sign-in. */
export function requireUser(req: Request): SessionUser {
  const user = req.session.user;
  if (user === undefined) {
    throw new HttpError(401, 'Sign in first', 'You need to be signed in with Last.fm to do that.', { action: { href: '/auth/login', label: 'Sign in with Last.fm' } });
  }
  return user;
}

export function wantsJson(req: Request): boolean {
  return req.accepts(['html', 'json']) === 'json';
}

/**
 * Runs a Last.fm call for the signed-in person. A revoked key signs them out at once (the session,
 * and the key with it, is destroyed); every failure becomes the page lastfm-failures.ts chooses.
 */
export async function forAccount<T>(req: Request, res: Response, deps: AccountDeps, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!isLastfmFailure(error)) throw error;
    // A failed write may still have been carried out (a timed-out scrobble): the next page must
    // ask Last.fm afresh. A call the scheduler never sent changed nothing.
    const name = signedInName(req);
    if (name !== undefined && !(error instanceof LastfmBusyError)) await deps.cache.invalidate(name);
    if (isRevokedSession(error, 'account')) await signOut(req, res, deps);
    throw lastfmFailure(error, 'account');
  }
}

/** The signed-in name; undefined too once another read of the same page has destroyed the session. */
function signedInName(req: Request): string | undefined {
  return (req.session as typeof req.session | undefined)?.user?.name;
}

/** Ends the session of a person whose key Last.fm refused, so the page that follows shows no one signed in. */
export async function signOut(req: Request, res: Response, deps: AccountDeps): Promise<void> {
  // Several reads of one page may each learn the key was revoked: sign out once.
  const name = signedInName(req);
  if (name === undefined) return;
  await deps.cache.invalidate(name);
  await destroySession(req);
  // The page that follows must not show anyone as signed in.
  res.locals.user = undefined;
  const { config } = deps;
  res.clearCookie(config.session.cookieName, { path: `${config.basePath}/`, httpOnly: true, sameSite: 'lax', secure: config.session.secureCookie });
}

/** A write went through: JSON for scripts, otherwise a one-time message and 303 back home. */
export function reportDone(req: Request, res: Response, config: Config, flash: Omit<Flash, 'form' | 'values'>, data: Record<string, unknown> = {}): void {
  if (wantsJson(req)) {
    res.json({ ok: flash.kind === 'success', message: flash.message, details: flash.details, ...data });
    return;
  }
  setFlash(req, flash);
  res.redirect(303, `${config.basePath}/`);
}

/**
 * Parses a form; when the input is refused, the error carries the form and what was typed, so
 * the edge can show the home page with that form filled in again and the message beside it.
 */
export function readForm<T>(req: Request, form: string, parse: (body: Record<string, unknown>) => T): T {
  const raw: unknown = req.body;
  const body = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  try {
    return parse(body);
  } catch (error) {
    if (error instanceof InputError) {
      const values: Record<string, string> = {};
      for (const [name, value] of Object.entries(body)) {
        if (name !== '_csrf' && typeof value === 'string') values[name] = value.slice(0, 10_000);
      }
      error.form = form;
      error.values = values;
    }
    throw error;
  }
}

/**
 * Mounted before the CSRF check on the signed-in areas, so a signed-out request hears "sign in
 * first" (401) rather than "this form has expired".
 */
export const signedInOnly: RequestHandler = (req, _res, next) => {
  requireUser(req);
  next();
};
