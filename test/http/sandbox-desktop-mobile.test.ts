import request from 'supertest';
import { DEMO_ACCOUNTS, SANDBOX_API_KEY, SANDBOX_SHARED_SECRET, SandboxState } from 'lastfm-sign-in/testing';
import { loadConfig } from '../../src/config';
import { buildApp } from '../helpers/app';
import { expectedSignature } from '../helpers/fake-lastfm';

// The stand-in as another Last.fm client would meet it: every request here is signed by the
// test's own MD5 code, never by the app's signer.
function signed(params: Record<string, string>, secret = SANDBOX_SHARED_SECRET): Record<string, string> {
  const all = { api_key: SANDBOX_API_KEY, ...params };
  return { ...all, api_sig: expectedSignature(all, secret), format: 'json' };
}

let clock: number;
let app: ReturnType<typeof buildApp>['app'];

beforeEach(() => {
  clock = Date.UTC(2026, 10, 23, 12);
  ({ app } = buildApp(loadConfig({ NODE_ENV: 'test', PUBLIC_URL: 'http://127.0.0.1:3999/' }), { sandboxState: new SandboxState(() => clock) }));
});

async function getToken(): Promise<string> {
  const res = await request(app).get('/sandbox/2.0/').query(signed({ method: 'auth.getToken' })).expect(200);
  return (res.body as { token: string }).token;
}

async function openAuthorizePage(token: string) {
  return request(app).get('/sandbox/api/auth/').query({ api_key: SANDBOX_API_KEY, token });
}

async function allow(token: string, user: string) {
  const page = await openAuthorizePage(token);
  expect(page.status).toBe(200);
  const id = /name="request" value="([^"]+)"/.exec(page.text)?.[1] ?? '';
  return request(app).post('/sandbox/api/auth/').type('form').send({ request: id, decision: 'allow', user });
}

const getSession = (token: string) => request(app).get('/sandbox/2.0/').query(signed({ method: 'auth.getSession', token }));

describe('sandbox desktop flow, for any client', () => {
  it('accepts auth.getToken and auth.getSession as POSTs too', async () => {
    const res = await request(app).post('/sandbox/2.0/').type('form').send(signed({ method: 'auth.getToken' })).expect(200);
    const token = (res.body as { token: string }).token;
    await allow(token, 'sandbox-ada');
    const session = await request(app).post('/sandbox/2.0/').type('form').send(signed({ method: 'auth.getSession', token })).expect(200);
    expect((session.body as { session: { name: string } }).session.name).toBe('sandbox-ada');
  });

  it('refuses the authorize page for a spent or expired token', async () => {
    const spent = await getToken();
    await allow(spent, 'sandbox-ada');
    await getSession(spent).expect(200);
    const again = await openAuthorizePage(spent);
    expect(again.status).toBe(400);
    expect(again.text).toContain('Invalid or expired token');

    const old = await getToken();
    clock += 60 * 60 * 1000 + 1;
    expect((await openAuthorizePage(old)).status).toBe(400);
  });

  it('refuses an approval sent after the token expired, and the token then answers 15', async () => {
    const token = await getToken();
    const page = await openAuthorizePage(token);
    const id = /name="request" value="([^"]+)"/.exec(page.text)?.[1] ?? '';
    clock += 60 * 60 * 1000 + 1;
    const res = await request(app).post('/sandbox/api/auth/').type('form').send({ request: id, decision: 'allow', user: 'sandbox-ada' });
    expect(res.status).toBe(400);
    expect(((await getSession(token)).body as { error: number }).error).toBe(15);
  });

  it('answers 13 for a desktop token exchange signed with another secret', async () => {
    const token = await getToken();
    await allow(token, 'sandbox-ada');
    const res = await request(app).get('/sandbox/2.0/').query(signed({ method: 'auth.getSession', token }, 'not-the-secret')).expect(403);
    expect((res.body as { error: number }).error).toBe(13);
    await getSession(token).expect(200);
  });
});

describe('sandbox auth.getMobileSession, for any client', () => {
  const post = (params: Record<string, string>) => request(app).post('/sandbox/2.0/').type('form').send(params);

  it('answers with the account name, not the email that was typed', async () => {
    const res = await post(signed({ method: 'auth.getMobileSession', username: 'bo@SANDBOX.invalid', password: 'bo-listens' })).expect(200);
    expect(res.body).toEqual({ session: { name: 'sandbox-bo', key: expect.stringMatching(/^[0-9a-f]{32}$/) as unknown, subscriber: 1 } });
  });

  it('answers 4 for a right password sent by GET, and for a known user with another account\'s password', async () => {
    const viaGet = await request(app).get('/sandbox/2.0/').query(signed({ method: 'auth.getMobileSession', username: 'sandbox-bo', password: 'bo-listens' })).expect(403);
    expect((viaGet.body as { error: number }).error).toBe(4);
    const crossed = await post(signed({ method: 'auth.getMobileSession', username: 'sandbox-bo', password: 'ada-listens' })).expect(403);
    expect((crossed.body as { error: number }).error).toBe(4);
  });

  it('answers 13 for a wrong signature before looking at the password, and 6 for a missing one', async () => {
    const bad = await post(signed({ method: 'auth.getMobileSession', username: 'sandbox-bo', password: 'bo-listens' }, 'not-the-secret')).expect(403);
    expect((bad.body as { error: number }).error).toBe(13);
    const missing = await post(signed({ method: 'auth.getMobileSession', username: 'sandbox-bo' })).expect(200);
    expect((missing.body as { error: number }).error).toBe(6);
  });
});

describe('the app\'s password page in sandbox mode', () => {
  it('lists the sandbox\'s demo accounts with their public passwords', async () => {
    const page = await request(app).get('/auth/mobile').expect(200);
    const listed = /data-testid="demo-accounts"[\s\S]*?<\/section>/.exec(page.text)?.[0] ?? '';
    for (const account of DEMO_ACCOUNTS) {
      expect(listed).toContain(account.name);
      expect(listed).toContain(account.email);
      expect(listed).toContain(`<code class="credential">${account.password}</code>`);
    }
  });
});
