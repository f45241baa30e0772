import { MemoryStore } from 'express-session';
import request from 'supertest';
import type { Config } from '../../src/config';
import { buildApp, csrfFrom, fakeConfig, sessionCookie, type LogCapture } from '../helpers/app';
import { FAKE_API_KEY, FAKE_SECRET, FakeLastfm } from '../helpers/fake-lastfm';
import { sessionIdOf, signInAs } from '../helpers/sign-in';

let fake: FakeLastfm;
let config: Config;
let app: ReturnType<typeof buildApp>['app'];
let logs: LogCapture;

beforeEach(async () => {
  fake = await new FakeLastfm().start();
  config = fakeConfig(fake);
  ({ app, logs } = buildApp(config));
});

afterEach(async () => {
  await fake.stop();
});

/** Starts a sign-in and returns the agent (holding the cookie) and the state inside `cb`. */
async function startSignIn(path = '/auth/login') {
  const agent = request.agent(app);
  const res = await agent.get(path).expect(303);
  const location = new URL(res.headers.location as string);
  const callback = new URL(location.searchParams.get('cb') ?? '');
  return { agent, location, callback, state: callback.searchParams.get('state') ?? '', res };
}

async function signIn(path = '/auth/login') {
  const started = await startSignIn(path);
  const token = fake.approveToken('rj');
  const res = await started.agent.get(`/auth/callback?state=${started.state}&token=${token}`);
  return { ...started, token, callbackRes: res };
}

/** Has Last.fm's shape, so the app asks Last.fm about it. */
const SOME_TOKEN = '0123456789abcdef0123456789abcdef';

describe('GET /auth/login', () => {
  it('redirects to the authorize page with the API key and an encoded callback carrying a fresh state', async () => {
    const { location, callback, state, res } = await startSignIn();
    expect(`${location.origin}${location.pathname}`).toBe(fake.authUrl);
    expect(location.searchParams.get('api_key')).toBe(FAKE_API_KEY);
    expect(res.headers.location).toContain(`cb=${encodeURIComponent('http://127.0.0.1:3999/auth/callback?state=')}`);
    expect(callback.href.startsWith('http://127.0.0.1:3999/auth/callback?state=')).toBe(true);
    expect(state).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(res.headers.location).not.toContain(FAKE_SECRET);
    const second = await startSignIn();
    expect(second.state).not.toBe(state);
  });

  it('makes no Last.fm call before the person comes back', async () => {
    await startSignIn();
    expect(fake.requests).toHaveLength(0);
  });
});

describe('GET /auth/callback', () => {
  it('exchanges the token with one signed auth.getSession and signs the person in', async () => {
    const { agent, token, callbackRes } = await signIn();
    expect(callbackRes.status).toBe(303);
    expect(callbackRes.headers.location).toBe('/');

    const calls = fake.calls('auth.getSession');
    expect(calls).toHaveLength(1);
    expect(calls[0]?.signatureValid).toBe(true);
    expect(calls[0]?.params.token).toBe(token);
    expect(calls[0]?.params.format).toBe('json');
    expect(calls[0]?.headers['user-agent']).toMatch(/^lastfm-sign-in-app\/\d+\.\d+\.\d+ \(\+http:\/\/127\.0\.0\.1:3999\/\)$/);

    const home = await agent.get('/').expect(200);
    expect(home.text).toContain('Hello, rj');
    expect(home.text).toContain('Sign out');
  });

  it('completes sign-in against another Last.fm stand-in by following its redirects', async () => {
    const { agent, location } = await startSignIn();
    // The fake's authorize page approves and redirects to cb with ?/&token=, as Last.fm does.
    const authorize = await fetch(location, { redirect: 'manual' });
    expect(authorize.status).toBe(302);
    const back = new URL(authorize.headers.get('location') ?? '');
    expect(back.searchParams.get('token')).toMatch(/^faketoken\d+$/);
    await agent.get(`${back.pathname}${back.search}`).expect(303);
    expect((await agent.get('/')).text).toContain('Hello, fake-user');
    expect(fake.calls('auth.getSession').every((call) => call.signatureValid)).toBe(true);
  });

  it('gives the person a new session id at sign-in (no fixation)', async () => {
    const started = await startSignIn();
    const before = sessionCookie(started.res, config.session.cookieName);
    const token = fake.approveToken('rj');
    const res = await started.agent.get(`/auth/callback?state=${started.state}&token=${token}`).expect(303);
    const after = sessionCookie(res, config.session.cookieName);
    expect(before).toBeDefined();
    expect(after).toBeDefined();
    expect(after).not.toBe(before);

    // The id from before sign-in is not signed in.
    const planted = await request(app).get('/').set('Cookie', `${config.session.cookieName}=${before ?? ''}`).expect(200);
    expect(planted.text).not.toContain('Hello, rj');
  });

  it('goes back to the local returnTo path after sign-in', async () => {
    const { callbackRes } = await signIn('/auth/login?returnTo=%2Fsome%2Fpage%3Fx%3D1');
    expect(callbackRes.headers.location).toBe('/some/page?x=1');
  });

  it.each(['https://evil.example/', '//evil.example/x', '/\\evil.example', 'javascript:alert(1)', '/%2F%2Fevil.example',
    '/.//evil.example/x', '/%2e//evil.example', '/a/..//evil.example'])(
    'never redirects off-site for returnTo=%s',
    async (returnTo) => {
      const { callbackRes } = await signIn(`/auth/login?returnTo=${encodeURIComponent(returnTo)}`);
      const location = callbackRes.headers.location as string;
      expect(new URL(location, 'http://127.0.0.1:3999').origin).toBe('http://127.0.0.1:3999');
      expect(location.startsWith('//')).toBe(false);
    },
  );

  it('refuses a missing state without calling Last.fm', async () => {
    const res = await request(app).get('/auth/callback?token=abc').expect(400);
    expect(res.text).toContain('no state');
    expect(res.text).toContain('Start sign-in again');
    expect(fake.requests).toHaveLength(0);
  });

  it('refuses an unknown state without calling Last.fm', async () => {
    const { agent } = await startSignIn();
    const res = await agent.get(`/auth/callback?state=${'A'.repeat(43)}&token=abc`).expect(400);
    expect(res.text).toContain('not valid here');
    expect(fake.requests).toHaveLength(0);
  });

  it('refuses a state from another browser (mismatch) without calling Last.fm', async () => {
    const mine = await startSignIn();
    const theirs = await startSignIn();
    await mine.agent.get(`/auth/callback?state=${theirs.state}&token=abc`).expect(400);
    await request(app).get(`/auth/callback?state=${mine.state}&token=abc`).expect(400);
    expect(fake.requests).toHaveLength(0);
  });

  it('refuses a reused state: the first use spends it', async () => {
    const { agent, state } = await signIn();
    const again = await agent.get(`/auth/callback?state=${state}&token=${fake.approveToken('rj')}`).expect(400);
    expect(again.text).toContain('already used');
    expect(fake.calls('auth.getSession')).toHaveLength(1);
  });

  it('spends the state even when Last.fm refuses the token', async () => {
    const { agent, state } = await startSignIn();
    await agent.get(`/auth/callback?state=${state}&token=${SOME_TOKEN}`).expect(400);
    await agent.get(`/auth/callback?state=${state}&token=${fake.approveToken('rj')}`).expect(400);
    expect(fake.calls('auth.getSession')).toHaveLength(1);
  });

  it('refuses state given twice or oversized with a 400 naming the field', async () => {
    const { agent, state } = await startSignIn();
    const twice = await agent.get(`/auth/callback?state=${state}&state=${state}&token=t`).expect(400);
    expect(twice.text).toContain('&#34;state&#34;');
    await agent.get(`/auth/callback?state=${'x'.repeat(500)}&token=t`).expect(400);
    expect(fake.requests).toHaveLength(0);
  });

  it('answers a declined authorization (no token) with a plain page, not an error, that offers to sign in again', async () => {
    const { agent, state } = await startSignIn();
    const res = await agent.get(`/auth/callback?state=${state}`).expect(200);
    expect(res.text).toContain('<title>You did not give access · Sign in with Last.fm</title>');
    expect(res.text).not.toMatch(/error/i);
    expect(res.text).toContain('href="/auth/login"');
    const again = await startSignIn();
    const json = await again.agent.get(`/auth/callback?state=${again.state}`).set('Accept', 'application/json').expect(403);
    expect((json.body as { error: { title: string } }).error.title).toBe('Access was not allowed');
    expect(fake.requests).toHaveLength(0);
  });

  it('refuses a token that could not come from Last.fm without calling it', async () => {
    const { agent, state } = await startSignIn();
    await agent.get(`/auth/callback?state=${state}&token=${encodeURIComponent('<script>')}`).expect(400);
    expect(fake.requests).toHaveLength(0);
  });

  it('refuses a made-up token of the wrong length without calling Last.fm (Last.fm sends 32 characters)', async () => {
    for (const token of ['abc', 'a'.repeat(31), 'a'.repeat(33), `${'a'.repeat(31)}-`]) {
      const { agent, state } = await startSignIn();
      const res = await agent.get(`/auth/callback?state=${state}&token=${token}`).expect(400);
      expect(res.text).toContain('not one Last.fm would send');
    }
    expect(fake.requests).toHaveLength(0);
  });

  it.each([
    [4, 200, 400, 'was not valid'],
    [4, 403, 400, 'was not valid'],
    [14, 200, 403, 'not given access'],
    [14, 403, 403, 'not given access'],
    [15, 403, 400, 'expired'],
  ])('Last.fm error %i (HTTP %i) gives a %i page that offers to start again', async (code, httpStatus, expected, text) => {
    const { agent, state } = await startSignIn();
    fake.replyNextError(code, 'refused', httpStatus);
    const res = await agent.get(`/auth/callback?state=${state}&token=${SOME_TOKEN}`).expect(expected);
    expect(res.text).toContain(text);
    expect(res.text).toContain('Start sign-in again');
    expect((await agent.get('/')).text).not.toContain('Hello,');
  });

  it.each([
    [11, 503],
    [16, 503],
    [29, 429],
    [13, 502],
    [10, 502],
    [26, 502],
    [6, 400],
    [99, 502],
  ])('maps Last.fm error %i to a %i page, never a 500', async (code, expected) => {
    const { agent, state } = await startSignIn();
    fake.replyNextError(code, 'something');
    await agent.get(`/auth/callback?state=${state}&token=${SOME_TOKEN}`).expect(expected);
  });

  it('logs an operator error loudly for an invalid API key', async () => {
    const { agent, state } = await startSignIn();
    fake.replyNextError(10, 'Invalid API key', 403);
    await agent.get(`/auth/callback?state=${state}&token=${SOME_TOKEN}`).expect(502);
    expect(logs.text).toContain('OPERATOR: Last.fm refused the API key');
  });

  it('shows a 503 page for an HTML 500 from Last.fm', async () => {
    const { agent, state } = await startSignIn();
    fake.replyNext({ status: 500, body: '<html><body><h1>Internal Server Error</h1></body></html>', contentType: 'text/html' });
    const res = await agent.get(`/auth/callback?state=${state}&token=${SOME_TOKEN}`).expect(503);
    expect(res.text).toContain('Last.fm is not answering');
    expect(res.text).not.toContain('Internal Server Error</h1>');
  });

  it('shows a 503 page for a 200 answer that is not JSON', async () => {
    const { agent, state } = await startSignIn();
    fake.replyNext({ status: 200, body: 'upstream maintenance', contentType: 'text/plain' });
    await agent.get(`/auth/callback?state=${state}&token=${SOME_TOKEN}`).expect(503);
  });

  it('shows a 503 page when Last.fm cannot be reached', async () => {
    const { agent, state } = await startSignIn();
    await fake.stop();
    const res = await agent.get(`/auth/callback?state=${state}&token=${SOME_TOKEN}`).expect(503);
    expect(res.text).toContain('Nothing was changed');
  });

  it('answers JSON clients with JSON errors', async () => {
    const res = await request(app).get('/auth/callback').set('Accept', 'application/json').expect(400);
    expect(res.body as unknown).toEqual({ error: expect.objectContaining({ status: 400, title: 'This sign-in link is incomplete' }) as unknown });
  });
});

describe('POST /auth/logout', () => {
  it('refuses a sign-out without the CSRF token and keeps the person signed in', async () => {
    const { agent } = await signIn();
    await agent.post('/auth/logout').type('form').send({}).expect(403);
    await agent.post('/auth/logout').type('form').send({ _csrf: 'forged' }).expect(403);
    expect((await agent.get('/')).text).toContain('Hello, rj');
  });

  it('destroys the session with a valid CSRF token, from the form field or the header', async () => {
    const first = await signIn();
    const page = await first.agent.get('/').expect(200);
    const res = await first.agent.post('/auth/logout').type('form').send({ _csrf: csrfFrom(page.text) }).expect(303);
    expect(res.headers.location).toBe('/?signed-out=here');
    const after = await first.agent.get(res.headers.location as string).expect(200);
    expect(after.text).toContain('href="/auth/login"');
    expect(after.text).not.toContain('Hello, rj');
    expect(after.text).toMatch(/data-testid="signed-out"><p>You are signed out\./);

    const second = await signIn();
    const token = csrfFrom((await second.agent.get('/')).text);
    await second.agent.post('/auth/logout').set('X-CSRF-Token', token).expect(303);
    expect((await second.agent.get('/')).text).not.toContain('Hello, rj');
  });

  it('does not accept a CSRF token from another session', async () => {
    const mine = await signIn();
    const theirs = await signIn();
    const theirToken = csrfFrom((await theirs.agent.get('/')).text);
    await mine.agent.post('/auth/logout').type('form').send({ _csrf: theirToken }).expect(403);
  });
});

describe('secrets', () => {
  it('never put the session key or shared secret in a page, header, cookie or log line', async () => {
    const { agent, callbackRes } = await signIn();
    const key = [...fake.sessionKeys.keys()][0] ?? '';
    expect(key).not.toBe('');
    const responses = [callbackRes, await agent.get('/'), await agent.get('/nowhere'), await agent.get('/auth/login')];
    for (const res of responses) {
      const everything = JSON.stringify(res.headers) + res.text;
      expect(everything).not.toContain(key);
      expect(everything).not.toContain(FAKE_SECRET);
    }
    expect(logs.text).not.toContain(key);
    expect(logs.text).not.toContain(FAKE_SECRET);
  });
});

describe('the sign-out confirmation', () => {
  it('shows only its own fixed words, whatever the query holds', async () => {
    const odd = await request(app).get('/?signed-out=%3Cscript%3E').expect(200);
    expect(odd.text).not.toContain('data-testid="signed-out"');
    const inherited = await request(app).get('/?signed-out=constructor').expect(200);
    expect(inherited.text).not.toContain('data-testid="signed-out"');
  });
});

describe('the signed-in session is written once', () => {
  it('writes the new session to the store once per sign-in, though express-session saves it again with its rolling cookie moved', async () => {
    const inner = new MemoryStore();
    const writes = jest.spyOn(inner, 'set');
    const own = buildApp(config, { sessionStore: inner }).app;
    const cookie = await signInAs(own, fake, 'rj');
    const sid = sessionIdOf(cookie);
    expect(writes.mock.calls.filter(([id]) => id === sid)).toHaveLength(1);
    // The one write is the signed-in session, and the page after it sees the person.
    expect((await request(own).get('/').set('Cookie', cookie).expect(200)).text).toContain('rj');
  });
});
