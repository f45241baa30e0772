import express5 from 'express';
import express4 from 'express4';
import session, { MemoryStore } from 'express-session';
import type { Express, ErrorRequestHandler } from 'express';
import request from 'supertest';
import { lastfmSignIn, type LastfmSignIn, type LastfmSignInOptions } from '../../src/express';
import type { StartedSandbox } from '../../src/testing';

export const MAJORS = [
  ['Express 5', express5],
  ['Express 4', express4],
] as const;

export type ExpressFactory = (typeof MAJORS)[number][1];

export const PUBLIC_URL = 'http://127.0.0.1';
export const COOKIE = 'host.sid';
/** What a browser says of a form posted from the site's own page. */
export const SAME_ORIGIN = { 'Sec-Fetch-Site': 'same-origin' };

export interface Host {
  app: Express;
  lastfm: LastfmSignIn;
  store: MemoryStore;
  /** Errors the host's own error handler received (in `next` mode). */
  errors: unknown[];
}

type ExtraOptions = Partial<Omit<Extract<LastfmSignInOptions, { apiKey: string }>, 'apiKey' | 'sharedSecret'>> & { client?: LastfmSignIn['client'] };

/** A small host app, as a developer would write one: express-session, the router, a home page, one guarded write. */
export function buildHost(express: ExpressFactory, sandbox: StartedSandbox, extra: ExtraOptions = {}, mountAt = '/auth/lastfm'): Host {
  const app = express();
  const store = new MemoryStore();
  const errors: unknown[] = [];
  app.use(session({ name: COOKIE, secret: 'host-secret-for-tests', resave: false, saveUninitialized: false, store, cookie: { sameSite: 'lax' } }));
  app.use(express.urlencoded({ extended: false }));
  const { client, ...rest } = extra;
  const lastfm = lastfmSignIn(
    client === undefined
      ? { apiKey: sandbox.apiKey, sharedSecret: sandbox.sharedSecret, apiUrl: sandbox.apiUrl, authUrl: sandbox.authUrl, publicUrl: PUBLIC_URL, mountPath: mountAt, ...rest }
      : { client, apiUrl: sandbox.apiUrl, publicUrl: PUBLIC_URL, mountPath: mountAt, ...rest },
  );
  app.use(mountAt, lastfm.router);
  app.get('/', (req, res) => {
    res.send(lastfm.user(req)?.name ?? 'signed out');
  });
  app.get('/private', lastfm.requireUser, (req, res) => {
    res.send(`private page of ${lastfm.user(req)?.name ?? '?'}`);
  });
  app.post('/love', lastfm.requireUser, (req, res, next) => {
    const body = req.body as { artist?: string; track?: string };
    lastfm
      .clientFor(req)
      .love({ artist: body.artist ?? '', track: body.track ?? '' })
      .then(() => res.redirect(303, '/'), next);
  });
  // Through the generic signed call, as a host does for a method the client has no name for.
  app.post('/unlove', lastfm.requireUser, (req, res, next) => {
    const body = req.body as { artist?: string; track?: string };
    lastfm
      .clientFor(req)
      .call('track.unlove', { artist: body.artist ?? '', track: body.track ?? '' })
      .then(() => res.redirect(303, '/'), next);
  });
  const handler: ErrorRequestHandler = (error: unknown, _req, res, next) => {
    errors.push(error);
    if (res.headersSent) {
      next(error);
      return;
    }
    const status = (error as { status?: number }).status ?? 500;
    res.status(status).send(`host error page: ${(error as { code?: string }).code ?? 'unknown'}`);
  };
  app.use(handler);
  return { app, lastfm, store, errors };
}

/** The value of `name` among a response's Set-Cookie headers. */
export function cookieFrom(response: request.Response, name = COOKIE): string | undefined {
  const header = response.headers['set-cookie'] as unknown;
  const list = Array.isArray(header) ? (header as string[]) : typeof header === 'string' ? [header] : [];
  for (const line of list) {
    const [pair] = line.split(';');
    if (pair?.startsWith(`${name}=`)) return pair;
  }
  return undefined;
}

/** Starts a web sign-in: the login's redirect, the cookie of the session that holds the state, and the state. */
export async function startLogin(app: Express, path = '/auth/lastfm/login', cookie?: string): Promise<{ cookie: string; state: string; cb: URL }> {
  const call = request(app).get(path);
  const login = await (cookie === undefined ? call : call.set('Cookie', cookie)).expect(303);
  const authorize = new URL(login.headers.location as string);
  const cb = new URL(authorize.searchParams.get('cb') ?? '');
  return { cookie: cookieFrom(login) ?? cookie ?? '', state: cb.searchParams.get('state') ?? '', cb };
}

/** A whole web sign-in as `user` (the sandbox approves the token); returns the signed-in session's cookie. */
export async function signIn(host: Host, sandbox: StartedSandbox, user = 'sandbox-ada', returnTo?: string): Promise<{ cookie: string; location: string }> {
  const started = await startLogin(host.app, returnTo === undefined ? '/auth/lastfm/login' : `/auth/lastfm/login?returnTo=${encodeURIComponent(returnTo)}`);
  const token = sandbox.state.issueToken(user);
  const done = await request(host.app).get(`/auth/lastfm/callback?state=${started.state}&token=${token}`).set('Cookie', started.cookie).expect(303);
  const cookie = cookieFrom(done);
  if (cookie === undefined) throw new Error('sign-in set no session cookie');
  return { cookie, location: done.headers.location as string };
}

/** What the host's session store holds, as JSON text, for every session. */
export function storedSessions(store: MemoryStore): string {
  return JSON.stringify((store as unknown as { sessions: Record<string, string> }).sessions);
}
