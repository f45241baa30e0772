import session from 'express-session';
import type { ErrorRequestHandler } from 'express';
import request from 'supertest';
import { createLastfmClient } from '../src';
import { startSandbox, type StartedSandbox } from '../src/testing';
import { lastfmSignIn } from '../src/express';
import { MAJORS, buildHost, cookieFrom, signIn, startLogin, SAME_ORIGIN } from './helpers/host';

let sandbox: StartedSandbox;

beforeAll(async () => {
  sandbox = await startSandbox();
});

afterAll(async () => {
  await sandbox.close();
});

describe.each(MAJORS)('the host\'s hooks on %s', (_major, expressMajor) => {
  test('onStart sees each web login and desktop token before anything is stored or sent, and a refusal there reaches the host', async () => {
    const seen: string[] = [];
    let refuse = false;
    const host = buildHost(expressMajor, sandbox, {
      desktop: { page: '/desktop' },
      failures: 'next',
      onStart: (req) => {
        seen.push(req.path);
        if (refuse) throw Object.assign(new Error('too many'), { status: 429, code: 'host-limit' });
      },
    });
    await startLogin(host.app);
    await request(host.app).post('/auth/lastfm/desktop/token').set(SAME_ORIGIN).expect(303);
    expect(seen).toEqual(['/login', '/desktop/token']);

    refuse = true;
    const tokensBefore = sandbox.state.tokens.size;
    const login = await request(host.app).get('/auth/lastfm/login').expect(429);
    expect(login.text).toBe('host error page: host-limit');
    expect(cookieFrom(login)).toBeUndefined();
    await request(host.app).post('/auth/lastfm/desktop/token').set(SAME_ORIGIN).expect(429);
    expect(sandbox.state.tokens.size).toBe(tokensBefore);
  });

  test('a login sent on to publicUrl\'s host name is not a start there yet: onStart is not told', async () => {
    const seen: string[] = [];
    const host = buildHost(expressMajor, sandbox, { onStart: (req) => void seen.push(req.path) });
    const moved = await request(host.app).get('/auth/lastfm/login').set('Host', 'localhost').expect(303);
    expect(moved.headers.location).toBe('http://127.0.0.1/auth/lastfm/login?moved=1');
    expect(seen).toEqual([]);
  });

  test('requestClient gives the client each request\'s sign-in calls go through', async () => {
    const client = createLastfmClient({ apiKey: sandbox.apiKey, sharedSecret: sandbox.sharedSecret, apiUrl: sandbox.apiUrl, authUrl: sandbox.authUrl });
    const asked: string[] = [];
    const host = buildHost(expressMajor, sandbox, {
      client,
      desktop: true,
      requestClient: (req) => {
        asked.push(req.path);
        return client;
      },
    });
    await signIn(host, sandbox);
    await request(host.app).post('/auth/lastfm/desktop/token').set(SAME_ORIGIN).expect(303);
    expect(asked).toEqual(['/callback', '/desktop/token']);
  });

  test('trustWithoutOrigin lets a POST with neither Sec-Fetch-Site nor Origin through when the host says so, and never a cross-site one', async () => {
    const host = buildHost(expressMajor, sandbox, { desktop: true, trustWithoutOrigin: (req) => req.get('x-host-checked') === 'yes' });
    await request(host.app).post('/auth/lastfm/desktop/token').expect(403);
    await request(host.app).post('/auth/lastfm/desktop/token').set('X-Host-Checked', 'yes').expect(303);
    await request(host.app).post('/auth/lastfm/desktop/token').set('X-Host-Checked', 'yes').set('Sec-Fetch-Site', 'cross-site').expect(403);
    await request(host.app).post('/auth/lastfm/desktop/token').set('X-Host-Checked', 'yes').set('Origin', 'https://evil.example').expect(403);
  });

  test('signIn(req, session) signs in a person from a flow of the host\'s own, the built-in way', async () => {
    const signedIn: string[] = [];
    const host = buildHost(expressMajor, sandbox, { onSignIn: (user) => void signedIn.push(user.name) });
    host.app.post('/own-flow', (req, res, next) => {
      host.lastfm.signIn(req, { name: 'sandbox-ada', key: 'k'.repeat(32), subscriber: false }).then(() => res.redirect(303, '/'), next);
    });
    const started = await startLogin(host.app);
    const done = await request(host.app).post('/own-flow').set('Cookie', started.cookie).expect(303);
    const cookie = cookieFrom(done) ?? '';
    expect(cookie).not.toBe('');
    // A new session id, as for the built-in flows.
    expect(cookie).not.toBe(started.cookie);
    expect((await request(host.app).get('/').set('Cookie', cookie)).text).toBe('sandbox-ada');
    expect(signedIn).toEqual(['sandbox-ada']);
  });
});

describe.each(MAJORS)('a host that sees publicUrl\'s path in its requests, on %s', (_major, expressMajor) => {
  test('mounted at the path plus mountPath, its callback, redirects and pages are each under the path once', async () => {
    const app = expressMajor();
    app.use(session({ name: 'host.sid', secret: 'host-secret-for-tests', resave: false, saveUninitialized: false, cookie: { sameSite: 'lax' } }));
    const lastfm = lastfmSignIn({ apiKey: sandbox.apiKey, sharedSecret: sandbox.sharedSecret, apiUrl: sandbox.apiUrl, authUrl: sandbox.authUrl, publicUrl: 'http://127.0.0.1/sub/', mountPath: '/auth' });
    app.use('/sub/auth', lastfm.router);
    app.get('/sub/', (req, res) => {
      res.send(lastfm.user(req)?.name ?? 'signed out');
    });
    // Four parameters, or Express would not take it for an error handler.
    // eslint-disable-next-line @typescript-eslint/no-unused-vars
    const failed: ErrorRequestHandler = (error: unknown, _req, res, _next) => {
      res.status(500).send(String(error));
    };
    app.use(failed);

    const login = await request(app).get('/sub/auth/login?returnTo=/').expect(303);
    const cb = new URL(new URL(login.headers.location as string).searchParams.get('cb') ?? '');
    expect(`${cb.origin}${cb.pathname}`).toBe('http://127.0.0.1/sub/auth/callback');
    const token = sandbox.state.issueToken('sandbox-bo');
    const done = await request(app)
      .get(`/sub/auth/callback?state=${cb.searchParams.get('state') ?? ''}&token=${token}`)
      .set('Cookie', cookieFrom(login, 'host.sid') ?? '')
      .expect(303);
    expect(done.headers.location).toBe('/sub/');
    expect(lastfm.loginUrl('/x')).toBe('/sub/auth/login?returnTo=%2Fx');
    expect((await request(app).get('/sub/').set('Cookie', cookieFrom(done, 'host.sid') ?? '')).text).toBe('sandbox-bo');
  });
});
