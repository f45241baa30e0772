import { readFileSync } from 'node:fs';
import request from 'supertest';
import { itemKey, startSandbox, type StartedSandbox } from '../src/testing';
import { LastfmError } from '../src';
import { SignInError } from '../src/express';
import { MAJORS, PUBLIC_URL, buildHost, cookieFrom, signIn, startLogin, storedSessions } from './helpers/host';

let sandbox: StartedSandbox;

beforeAll(async () => {
  sandbox = await startSandbox();
});

afterAll(async () => {
  await sandbox.close();
});

test('the two hosts really are Express 5 and Express 4', () => {
  const versions = ['express', 'express4'].map((name) => (JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version: string }).version);
  expect(versions.map((version) => version.split('.')[0])).toEqual(['5', '4']);
});

describe.each(MAJORS)('lastfmSignIn on %s', (_major, express) => {
  test('a web sign-in sends the browser to Last.fm with a callback under the mount path, and comes back signed in on a new session id', async () => {
    const host = buildHost(express, sandbox);
    const started = await startLogin(host.app, '/auth/lastfm/login?returnTo=/private');
    expect(`${started.cb.origin}${started.cb.pathname}`).toBe(`${PUBLIC_URL}/auth/lastfm/callback`);

    const token = sandbox.state.issueToken('sandbox-ada');
    const done = await request(host.app).get(`/auth/lastfm/callback?state=${started.state}&token=${token}`).set('Cookie', started.cookie).expect(303);
    expect(done.headers.location).toBe('/private');
    const signedIn = cookieFrom(done);
    expect(signedIn).toBeDefined();
    expect(signedIn).not.toBe(started.cookie);

    const page = await request(host.app).get('/private').set('Cookie', signedIn ?? '').expect(200);
    expect(page.text).toBe('private page of sandbox-ada');
    // The session that held the state is gone: its id is worth nothing now.
    await request(host.app).get('/').set('Cookie', started.cookie).expect(200, 'signed out');
  });

  test('everything it keeps lives under req.session.lastfm: nothing named user or csrfToken', async () => {
    const host = buildHost(express, sandbox);
    await signIn(host, sandbox);
    const sessions = Object.values((host.store as unknown as { sessions: Record<string, string> }).sessions).map((text) => JSON.parse(text) as Record<string, unknown>);
    expect(sessions).toHaveLength(1);
    expect(Object.keys(sessions[0] ?? {}).sort()).toEqual(['cookie', 'lastfm']);
  });

  test('clientFor(req) loves a track as the signed-in person (and unloves it through call), and the stand-in records it', async () => {
    const host = buildHost(express, sandbox);
    const { cookie } = await signIn(host, sandbox, 'sandbox-bo');
    await request(host.app).post('/love').set('Cookie', cookie).type('form').send({ artist: 'Sigur Rós', track: 'Hoppípolla' }).expect(303);
    expect(sandbox.state.library.of('sandbox-bo').loves.has(itemKey('Sigur Rós', 'Hoppípolla'))).toBe(true);
    await request(host.app).post('/unlove').set('Cookie', cookie).type('form').send({ artist: 'Sigur Rós', track: 'Hoppípolla' }).expect(303);
    expect(sandbox.state.library.of('sandbox-bo').loves.has(itemKey('Sigur Rós', 'Hoppípolla'))).toBe(false);
  });

  test('when Last.fm says the key was revoked, clientFor signs the person out here before the error reaches the host', async () => {
    const host = buildHost(express, sandbox);
    const { cookie } = await signIn(host, sandbox, 'sandbox-ada');
    sandbox.state.faults.plan({ kind: 'error', code: 9, message: 'Invalid session key - Please re-authenticate' });
    await request(host.app).post('/love').set('Cookie', cookie).type('form').send({ artist: 'A', track: 'B' }).expect(500);
    expect(host.errors[0]).toBeInstanceOf(LastfmError);
    await request(host.app).get('/').set('Cookie', cookie).expect(200, 'signed out');
  });

  test('requireUser sends a browser to sign in and back, and answers a JSON client 401', async () => {
    const host = buildHost(express, sandbox);
    const browser = await request(host.app).get('/private?tab=2').set('Accept', 'text/html').expect(303);
    expect(browser.headers.location).toBe('/auth/lastfm/login?returnTo=%2Fprivate%3Ftab%3D2');
    const script = await request(host.app).post('/love').set('Accept', 'application/json').send({}).expect(401);
    expect(script.body).toMatchObject({ error: 'not-signed-in' });
  });

  test('a replayed callback is refused, with the signed-in cookie and with the cookie that started it', async () => {
    const host = buildHost(express, sandbox);
    const started = await startLogin(host.app);
    const url = `/auth/lastfm/callback?state=${started.state}&token=${sandbox.state.issueToken('sandbox-ada')}`;
    const done = await request(host.app).get(url).set('Cookie', started.cookie).expect(303);
    const replayedSignedIn = await request(host.app).get(url).set('Cookie', cookieFrom(done) ?? '').set('Accept', 'application/json').expect(400);
    expect(replayedSignedIn.body).toMatchObject({ error: 'state-unknown' });
    const replayedOld = await request(host.app).get(url).set('Cookie', started.cookie).set('Accept', 'application/json').expect(400);
    expect(replayedOld.body).toMatchObject({ error: 'state-lost' });
  });

  test('a state from another browser is refused even with a good token', async () => {
    const host = buildHost(express, sandbox);
    const victim = await startLogin(host.app);
    const attacker = await startLogin(host.app);
    const token = sandbox.state.issueToken('sandbox-ada');
    const foreign = await request(host.app).get(`/auth/lastfm/callback?state=${victim.state}&token=${token}`).set('Cookie', attacker.cookie).expect(400);
    expect(foreign.text).toContain('This sign-in link is not valid here');
    await request(host.app).get('/').set('Cookie', attacker.cookie).expect(200, 'signed out');
  });

  test('a callback without a state, or whose session cookie did not come back, gets a plain page naming the likely causes', async () => {
    const host = buildHost(express, sandbox);
    const missing = await request(host.app).get('/auth/lastfm/callback?token=abc').expect(400);
    expect(missing.text).toContain('has no state');

    const started = await startLogin(host.app);
    const lost = await request(host.app).get(`/auth/lastfm/callback?state=${started.state}&token=abc`).set('Accept', 'text/html').expect(400);
    expect(lost.headers['content-type']).toMatch(/^text\/html/);
    expect(lost.text).toContain('No sign-in was started in this browser');
    for (const cause of ['another address', 'SameSite', 'not saved', PUBLIC_URL]) expect(lost.text).toContain(cause);
  });

  test('a callback whose token cannot be Last.fm\'s (not 32 letters and digits) is refused without a call; the sandbox\'s tokens pass', async () => {
    const host = buildHost(express, sandbox);
    const before = sandbox.state.calls.of('auth.getSession');
    const started = await startLogin(host.app);
    const refused = await request(host.app).get(`/auth/lastfm/callback?state=${started.state}&token=${'a'.repeat(31)}`).set('Cookie', started.cookie).expect(400);
    expect(refused.text).toContain('not one Last.fm would send');
    expect(sandbox.state.calls.of('auth.getSession')).toBe(before);
  });

  test('declined access on Last.fm gets 403 in words, and spends the state', async () => {
    const host = buildHost(express, sandbox);
    const started = await startLogin(host.app);
    const declined = await request(host.app).get(`/auth/lastfm/callback?state=${started.state}`).set('Cookie', started.cookie).expect(403);
    expect(declined.text).toContain('Access was not allowed');
    await request(host.app).get(`/auth/lastfm/callback?state=${started.state}&token=${sandbox.state.issueToken('sandbox-ada')}`).set('Cookie', started.cookie).expect(400);
  });

  test.each(['//evil.example/', 'https://evil.example/', '/\\evil.example', '/%2F%2Fevil.example', '/.//evil.example'])('returnTo %s cannot send the browser off the site', async (returnTo) => {
    const host = buildHost(express, sandbox);
    const { location } = await signIn(host, sandbox, 'sandbox-ada', returnTo);
    expect(location.startsWith('/')).toBe(true);
    expect(location.startsWith('//')).toBe(false);
    expect(location.startsWith('/\\')).toBe(false);
  });

  test.each([
    ['an Origin of another site', { Origin: 'https://evil.example' }],
    ['Sec-Fetch-Site cross-site', { 'Sec-Fetch-Site': 'cross-site', Origin: PUBLIC_URL }],
    ['no Origin or Sec-Fetch-Site', {}],
  ])('logout with %s is refused and the person stays signed in', async (_case, headers: Record<string, string>) => {
    const host = buildHost(express, sandbox);
    const { cookie } = await signIn(host, sandbox);
    const refused = await request(host.app).post('/auth/lastfm/logout').set('Cookie', cookie).set(headers).expect(403);
    expect(refused.text).toContain('This request came from another site');
    await request(host.app).get('/').set('Cookie', cookie).expect(200, 'sandbox-ada');
  });

  test('a same-origin logout signs out and retires the session id', async () => {
    const host = buildHost(express, sandbox);
    const { cookie } = await signIn(host, sandbox);
    const out = await request(host.app).post('/auth/lastfm/logout').set('Cookie', cookie).set('Sec-Fetch-Site', 'same-origin').expect(303);
    expect(out.headers.location).toBe('/');
    await request(host.app).get('/').set('Cookie', cookie).expect(200, 'signed out');
    const byOrigin = await signIn(host, sandbox);
    await request(host.app).post('/auth/lastfm/logout').set('Cookie', byOrigin.cookie).set('Origin', PUBLIC_URL).expect(303);
    await request(host.app).get('/').set('Cookie', byOrigin.cookie).expect(200, 'signed out');
  });

  test('with failures: "next" the host error handler gets a typed SignInError with its status', async () => {
    const host = buildHost(express, sandbox, { failures: 'next' });
    const answer = await request(host.app).get('/auth/lastfm/callback').expect(400);
    expect(answer.text).toBe('host error page: state-missing');
    expect(host.errors).toHaveLength(1);
    expect(host.errors[0]).toBeInstanceOf(SignInError);
    expect(host.errors[0]).toMatchObject({ code: 'state-missing', status: 400 });
  });

  test('a Last.fm outage during the exchange is a 503 page, not a stack trace', async () => {
    const host = buildHost(express, sandbox);
    const started = await startLogin(host.app);
    sandbox.state.outage = true;
    try {
      const answer = await request(host.app).get(`/auth/lastfm/callback?state=${started.state}&token=${sandbox.state.issueToken('sandbox-ada')}`).set('Cookie', started.cookie).expect(503);
      expect(answer.text).toContain('Last.fm');
      expect(answer.text).not.toMatch(/at .*\.ts:\d+/);
    } finally {
      sandbox.state.outage = false;
    }
  });

  test('mounted at another path, the callback follows the mount path; a mountPath that does not match is a setup error', async () => {
    const host = buildHost(express, sandbox, {}, '/signin');
    const started = await startLogin(host.app, '/signin/login');
    expect(started.cb.pathname).toBe('/signin/callback');
    const browser = await request(host.app).get('/private').expect(303);
    expect(browser.headers.location).toBe('/signin/login?returnTo=%2Fprivate');

    const wrong = buildHost(express, sandbox, { mountPath: '/auth/lastfm' }, '/elsewhere');
    await request(wrong.app).get('/elsewhere/login').expect(500);
    expect(String(wrong.errors[0])).toContain("pass mountPath: '/elsewhere'");
  });

  test('a login at another host name of the site moves to publicUrl first, so the cookie and the callback meet', async () => {
    const host = buildHost(express, sandbox);
    const moved = await request(host.app).get('/auth/lastfm/login?returnTo=/private').set('Host', 'localhost').expect(303);
    expect(moved.headers.location).toBe(`${PUBLIC_URL}/auth/lastfm/login?returnTo=%2Fprivate&moved=1`);
    expect(cookieFrom(moved)).toBeUndefined();
  });

  test('onSignIn and onSignOut are told who signed in and out, never the session key', async () => {
    const told: string[] = [];
    const host = buildHost(express, sandbox, {
      onSignIn: (user) => {
        told.push(`in ${JSON.stringify(user)}`);
      },
      onSignOut: async (user) => {
        await Promise.resolve();
        told.push(`out ${user.name}`);
      },
    });
    const { cookie } = await signIn(host, sandbox, 'sandbox-bo');
    await request(host.app).post('/auth/lastfm/logout').set('Cookie', cookie).set('Origin', PUBLIC_URL).expect(303);
    expect(told).toHaveLength(2);
    expect(JSON.parse(told[0]?.slice(3) ?? '{}')).toEqual({ name: 'sandbox-bo', subscriber: true, signedInAt: expect.any(Number) as number });
    expect(told[1]).toBe('out sandbox-bo');
  });

  test('reading who is signed in starts no session', async () => {
    const host = buildHost(express, sandbox);
    const home = await request(host.app).get('/').expect(200, 'signed out');
    expect(cookieFrom(home)).toBeUndefined();
    expect(storedSessions(host.store)).toBe('{}');
  });
});
