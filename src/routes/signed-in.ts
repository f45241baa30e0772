import type { Request, RequestHandler, Response } from 'express';
import { HttpError, InputError } from '../errors';
import type { Account, AccountService } from '../services/account';
import { signedInUser, type SignedInUser } from '../signed-in-user';
import { wantsJson } from '../wants-json';
import { callerOf } from './caller';
import { setFlash, type Flash } from './flash';

/** The signed-in person, or a 401 that offers sign-in. */
export function requireUser(req: Request): SignedInUser {
  const user = signedInUser(req);
  if (user === undefined) {
    throw new HttpError(401, 'Sign in first', 'You need to be signed in with Last.fm to do that.', { action: { href: '/auth/login', label: 'Sign in with Last.fm' } });
  }
  return user;
}

/** The signed-in person's account, its Last.fm calls made for this request. */
export function accountFor(accounts: AccountService, req: Request): Account {
  return accounts.of(requireUser(req), { requestId: req.id, caller: callerOf(req) });
}

/**
 * Mounted before the CSRF check on the signed-in areas, so a signed-out request hears "sign in
 * first" (401) rather than "this form has expired".
 */
export const signedInOnly: RequestHandler = (req, _res, next) => {
  requireUser(req);
  next();
};

/** A write went through: JSON for scripts, otherwise a one-time message and 303 back home. */
export function reportDone(req: Request, res: Response, basePath: string, flash: Omit<Flash, 'form' | 'values'>, data: Record<string, unknown> = {}): void {
  if (wantsJson(req)) {
    res.json({ ok: flash.kind === 'success' || flash.kind === 'queued', message: flash.message, details: flash.details, ...data });
    return;
  }
  setFlash(req, flash);
  // Onto the message, which takes the focus: not back to the top with nothing said.
  res.redirect(303, `${basePath}/#message`);
}

/**
 * Parses a form; when the input is refused, the error carries the form and what was typed, so
 * the home page can show that form filled in again with the message beside it.
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
