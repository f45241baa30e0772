import type { Request } from 'express';
import { createLastfmClient, type CallBudget, type LastfmClient, type LastfmSession } from '../index';
import { SignInError } from '../express/errors';
import { oneString } from '../express/fields';
import { signInFailure } from '../express/lastfm-failure';
import { callbackToken, rememberState, takeState } from '../express/pending-state';
import { dataOf, peekData, saveSession, sessionOf } from '../express/session-data';

export { SignInError, type SignInErrorCode } from '../express/errors';

/** Passport's `done`: an error, or the user (false when refused) and what to tell about it. */
export type VerifyCallback = (error: unknown, user?: unknown, info?: unknown) => void;
/** Given the Last.fm session (name, key, subscriber): find or make the app's user, then call `done`. */
export type VerifyFunction = (session: LastfmSession, done: VerifyCallback) => void;
export type VerifyFunctionWithRequest = (req: Request, session: LastfmSession, done: VerifyCallback) => void;

interface CommonStrategyOptions {
  /** Where Last.fm sends the browser back: an absolute URL, or a path on the host the request came to. */
  callbackURL: string;
  /** The strategy's name for `passport.authenticate(name)`; default `lastfm`. */
  name?: string;
  /** The clock; tests move it. */
  now?: () => number;
}

export interface LastfmStrategyCredentials extends CommonStrategyOptions {
  apiKey: string;
  sharedSecret: string;
  apiUrl?: string;
  authUrl?: string;
  budget?: CallBudget;
}

export interface LastfmStrategyClient extends CommonStrategyOptions {
  client: LastfmClient;
}

export type LastfmStrategyOptions = (LastfmStrategyCredentials | LastfmStrategyClient) & { passReqToCallback?: false };
export type LastfmStrategyOptionsWithRequest = (LastfmStrategyCredentials | LastfmStrategyClient) & { passReqToCallback: true };

/**
 * Sign in with Last.fm for Passport. Unlike passport-lastfm it keeps a single-use state in the
 * session (express-session must be mounted), so a callback URL cannot be replayed, planted in
 * another browser, or finished without the session that started it. Passport itself gives the
 * session a new id on `req.logIn` (0.6 and later).
 *
 * Passport adds `success`, `fail`, `redirect` and `error` to the object it makes from this one
 * for each request; the class needs nothing of passport at run time.
 */
export class LastfmStrategy {
  name: string;
  readonly client: LastfmClient;
  private readonly callbackURL: string;
  private readonly now: () => number;
  private readonly verify: VerifyFunction | VerifyFunctionWithRequest;
  private readonly passReqToCallback: boolean;

  declare success: (user: unknown, info?: unknown) => void;
  declare fail: (challenge?: unknown, status?: number) => void;
  declare redirect: (url: string, status?: number) => void;
  declare error: (error: unknown) => void;

  constructor(options: LastfmStrategyOptions, verify: VerifyFunction);
  constructor(options: LastfmStrategyOptionsWithRequest, verify: VerifyFunctionWithRequest);
  constructor(options: LastfmStrategyOptions | LastfmStrategyOptionsWithRequest, verify: VerifyFunction | VerifyFunctionWithRequest) {
    if (typeof verify !== 'function') throw new TypeError('LastfmStrategy: a verify function is required');
    if (typeof options.callbackURL !== 'string' || options.callbackURL === '') throw new TypeError('LastfmStrategy: callbackURL is required');
    if ('client' in options) {
      this.client = options.client;
    } else {
      if (!options.apiKey || !options.sharedSecret) throw new TypeError('LastfmStrategy: apiKey and sharedSecret are required (or pass client)');
      this.client = createLastfmClient({
        apiKey: options.apiKey,
        sharedSecret: options.sharedSecret,
        ...(options.apiUrl === undefined ? {} : { apiUrl: options.apiUrl }),
        ...(options.authUrl === undefined ? {} : { authUrl: options.authUrl }),
        ...(options.budget === undefined ? {} : { budget: options.budget }),
      });
    }
    this.name = options.name ?? 'lastfm';
    this.callbackURL = options.callbackURL;
    this.now = options.now ?? Date.now;
    this.verify = verify;
    this.passReqToCallback = options.passReqToCallback === true;
  }

  /** Passport calls this for `passport.authenticate('lastfm')`: a request with `state` is the callback, any other starts a sign-in. */
  authenticate(req: Request): void {
    const run = req.query.state !== undefined || req.query.token !== undefined ? this.finish(req) : this.start(req);
    run.catch((error: unknown) => {
      // A refusal the person can act on is a passport failure (failureRedirect, failureMessage);
      // Last.fm or the session store being down is an error for the host's handler.
      if (error instanceof SignInError && error.status < 500) this.fail({ message: error.message, code: error.code }, error.status);
      else this.error(error);
    });
  }

  private async start(req: Request): Promise<void> {
    const state = rememberState(dataOf(req), '/', this.now());
    await saveSession(req);
    const callback = this.callbackFor(req);
    callback.searchParams.set('state', state);
    this.redirect(this.client.webAuthorizeUrl(callback.href).href, 303);
  }

  /** callbackURL, resolved against the address the request came to when it is a path. */
  private callbackFor(req: Request): URL {
    return new URL(this.callbackURL, `${req.protocol}://${req.get('host') ?? 'localhost'}`);
  }

  private async finish(req: Request): Promise<void> {
    sessionOf(req);
    const data = peekData(req);
    takeState(data, oneString(req.query.state, 'state', 128), this.now(), this.callbackFor(req).origin);
    await saveSession(req);
    const token = callbackToken(req.query.token);
    let session: LastfmSession;
    try {
      session = await this.client.getSession(token);
    } catch (error) {
      throw signInFailure(error, 'web');
    }
    const done: VerifyCallback = (error, user, info) => {
      if (error) this.error(error);
      else if (!user) this.fail(info, 401);
      else this.success(user, info);
    };
    if (this.passReqToCallback) (this.verify as VerifyFunctionWithRequest)(req, session, done);
    else (this.verify as VerifyFunction)(session, done);
  }
}
