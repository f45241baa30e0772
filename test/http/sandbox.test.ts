import request from 'supertest';
import { SANDBOX_API_KEY, SANDBOX_SHARED_SECRET, SandboxState } from 'lastfm-sign-in/testing';
import { loadConfig } from '../../src/config';
import { buildApp } from '../helpers/app';
import { expectedSignature } from '../helpers/fake-lastfm';

// Requests here are signed by the test's own MD5 code, as any other Last.fm client would sign them.
function signed(params: Record<string, string>, secret = SANDBOX_SHARED_SECRET): Record<string, string> {
  const all = { api_key: SANDBOX_API_KEY, ...params };
  return { ...all, api_sig: expectedSignature(all, secret), format: 'json' };
}

let clock: number;
let state: SandboxState;
let app: ReturnType<typeof buildApp>['app'];

beforeEach(() => {
  clock = Date.UTC(2026, 10, 23, 12);
  state = new SandboxState(() => clock);
  ({ app } = buildApp(loadConfig({ NODE_ENV: 'test', PUBLIC_URL: 'http://127.0.0.1:3999/' }), { sandboxState: state }));
});

const ws = () => request(app).get('/sandbox/2.0/');

async function getToken(): Promise<string> {
  const res = await ws().query(signed({ method: 'auth.getToken' })).expect(200);
  const token = (res.body as { token: string }).token;
  expect(token).toMatch(/^[0-9a-f]{32}$/);
  return token;
}

/** Opens the authorize page and answers it as a person would. */
async function authorize(query: Record<string, string>, decision: 'allow' | 'deny', user = 'sandbox-ada') {
  const page = await request(app).get('/sandbox/api/auth/').query({ api_key: SANDBOX_API_KEY, ...query }).expect(200);
  expect(page.text).toContain('Yes, allow access');
  expect(page.text).toContain('No thanks');
  expect(page.text).toContain('SANDBOX');
  const id = /name="request" value="([^"]+)"/.exec(page.text)?.[1] ?? '';
  return request(app).post('/sandbox/api/auth/').type('form').send({ request: id, decision, user });
}

describe('sandbox web service', () => {
  it('desktop flow: 14 until approved, then one session, then 15 for the spent token', async () => {
    const token = await getToken();
    const early = await ws().query(signed({ method: 'auth.getSession', token })).expect(403);
    expect(early.body).toEqual({ error: 14, message: expect.stringContaining('not been authorized') as unknown });

    const approved = await authorize({ token }, 'allow', 'sandbox-bo');
    expect(approved.status).toBe(200);
    expect(approved.text).toContain('Application authorized');

    const ok = await ws().query(signed({ method: 'auth.getSession', token })).expect(200);
    expect(ok.body).toEqual({ session: { name: 'sandbox-bo', key: expect.stringMatching(/^[0-9a-f]{32}$/) as unknown, subscriber: 1 } });

    const reused = await ws().query(signed({ method: 'auth.getSession', token })).expect(403);
    expect((reused.body as { error: number }).error).toBe(15);
  });

  it('expires tokens after 60 minutes', async () => {
    const token = await getToken();
    await authorize({ token }, 'allow');
    clock += 60 * 60 * 1000 + 1;
    const res = await ws().query(signed({ method: 'auth.getSession', token })).expect(403);
    expect((res.body as { error: number }).error).toBe(15);
  });

  it('answers 4 for a token it never issued', async () => {
    const res = await ws().query(signed({ method: 'auth.getSession', token: 'f'.repeat(32) })).expect(403);
    expect((res.body as { error: number }).error).toBe(4);
  });

  it('answers 13 for a wrong signature and 10 for another API key', async () => {
    const bad = await ws().query(signed({ method: 'auth.getToken' }, 'wrong-secret')).expect(403);
    expect(bad.body).toEqual({ error: 13, message: 'Invalid method signature supplied' });
    const otherKey = await ws().query({ ...signed({ method: 'auth.getToken' }), api_key: 'someone-else' }).expect(403);
    expect((otherKey.body as { error: number }).error).toBe(10);
  });

  it('answers 3 for an unknown method and 6 (with HTTP 200, as Last.fm) for a parameter sent twice', async () => {
    const unknown = await ws().query(signed({ method: 'track.fly' })).expect(400);
    expect((unknown.body as { error: number }).error).toBe(3);
    const twice = await request(app).get(`/sandbox/2.0/?method=auth.getToken&method=auth.getToken&api_key=${SANDBOX_API_KEY}&format=json`).expect(200);
    expect((twice.body as { error: number }).error).toBe(6);
  });

  it('accepts auth.getMobileSession only as a POST with a demo password, by name or email', async () => {
    const params = signed({ method: 'auth.getMobileSession', username: 'ADA@sandbox.invalid', password: 'ada-listens' });
    const viaGet = await ws().query(params).expect(403);
    expect((viaGet.body as { error: number }).error).toBe(4);

    const ok = await request(app).post('/sandbox/2.0/').type('form').send(params).expect(200);
    expect((ok.body as { session: { name: string } }).session.name).toBe('sandbox-ada');

    const wrong = await request(app)
      .post('/sandbox/2.0/')
      .type('form')
      .send(signed({ method: 'auth.getMobileSession', username: 'sandbox-ada', password: 'nope' }))
      .expect(403);
    expect((wrong.body as { error: number }).error).toBe(4);
  });

  it('verifies signatures over non-ASCII, +, & and / exactly as sent in a form body', async () => {
    const params = signed({ method: 'auth.getMobileSession', username: 'sandbox-ada', password: 'ada-listens', extra: 'Björk & Sigur Rós + AC/DC 東京事変' });
    await request(app).post('/sandbox/2.0/').type('form').send(new URLSearchParams(params).toString()).expect(200);
  });
});

describe('sandbox authorize page', () => {
  it('sends the person back to cb with ?token= when cb has no query', async () => {
    const res = await authorize({ cb: 'http://127.0.0.1:3999/auth/callback' }, 'allow');
    expect(res.status).toBe(303);
    const location = res.headers.location as string;
    expect(location).toMatch(/^http:\/\/127\.0\.0\.1:3999\/auth\/callback\?token=[0-9a-f]{32}$/);
    const token = new URL(location).searchParams.get('token') ?? '';
    const session = await ws().query(signed({ method: 'auth.getSession', token })).expect(200);
    expect((session.body as { session: { name: string } }).session.name).toBe('sandbox-ada');
  });

  it('appends &token= when cb already has a query', async () => {
    const res = await authorize({ cb: 'http://127.0.0.1:3999/auth/callback?state=abc' }, 'allow');
    expect(res.headers.location).toMatch(/^http:\/\/127\.0\.0\.1:3999\/auth\/callback\?state=abc&token=[0-9a-f]{32}$/);
  });

  it('sends the person back to cb without a token when they decline', async () => {
    const res = await authorize({ cb: 'http://127.0.0.1:3999/auth/callback?state=abc' }, 'deny');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('http://127.0.0.1:3999/auth/callback?state=abc');
  });

  it('leaves a declined desktop token unauthorized (14)', async () => {
    const token = await getToken();
    const res = await authorize({ token }, 'deny');
    expect(res.text).toContain('Access declined');
    const session = await ws().query(signed({ method: 'auth.getSession', token })).expect(403);
    expect((session.body as { error: number }).error).toBe(14);
  });

  it('lets each authorize page be answered once', async () => {
    const page = await request(app).get('/sandbox/api/auth/').query({ api_key: SANDBOX_API_KEY, cb: 'http://127.0.0.1:3999/cb' });
    const id = /name="request" value="([^"]+)"/.exec(page.text)?.[1] ?? '';
    await request(app).post('/sandbox/api/auth/').type('form').send({ request: id, decision: 'allow', user: 'sandbox-ada' }).expect(303);
    const again = await request(app).post('/sandbox/api/auth/').type('form').send({ request: id, decision: 'allow', user: 'sandbox-ada' }).expect(400);
    expect(again.text).toContain('expired');
  });

  it.each([
    [{ api_key: 'wrong', cb: 'http://x/' }, 'Invalid API key'],
    [{ api_key: SANDBOX_API_KEY }, 'No callback given'],
    [{ api_key: SANDBOX_API_KEY, cb: 'javascript:alert(1)' }, 'No callback given'],
    [{ api_key: SANDBOX_API_KEY, token: 'never-issued' }, 'Invalid or expired token'],
  ])('refuses %j with a clear page', async (query, text) => {
    const res = await request(app).get('/sandbox/api/auth/').query(query).expect(400);
    expect(res.text).toContain(text);
  });

  it('shows its fixed public credentials and demo accounts', async () => {
    const res = await request(app).get('/sandbox/').expect(200);
    expect(res.text).toContain(SANDBOX_API_KEY);
    expect(res.text).toContain(SANDBOX_SHARED_SECRET);
    expect(res.text).toContain('sandbox-ada');
  });
});

describe('sandbox mode', () => {
  it('exists only in sandbox mode', async () => {
    const { app: real } = buildApp(loadConfig({ NODE_ENV: 'test', LASTFM_API_KEY: 'k', LASTFM_SHARED_SECRET: 's' }));
    await request(real).get('/sandbox/').expect(404);
    await request(real).get('/sandbox/2.0/').expect(404);
    const home = await request(real).get('/').expect(200);
    expect(home.text).not.toContain('Sandbox: not connected to Last.fm');
  });

  it('shows the sandbox banner on every page of the app', async () => {
    for (const path of ['/', '/nowhere']) {
      const res = await request(app).get(path);
      expect(res.text).toContain('Sandbox: not connected to Last.fm');
    }
  });
});
