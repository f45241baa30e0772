import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { loadConfig } from '../../src/config';
import type { SetupReport } from '../../src/setup-check';
import { buildApp, fakeConfig, TEST_SESSION_SECRET } from '../helpers/app';
import { FAKE_API_KEY, FAKE_SECRET, FakeLastfm } from '../helpers/fake-lastfm';
import { freePort } from '../helpers/free-port';

let fake: FakeLastfm;

beforeEach(async () => {
  fake = await new FakeLastfm().start();
  fake.onMethod('auth.getToken', () => [200, { token: 'token-from-the-setup-check' }]);
});

afterEach(async () => {
  await fake.stop();
});

const HTTPS_SITE = { PUBLIC_URL: 'https://lastfm.example.com/', TRUST_PROXY: 'loopback' };

async function report(env: Record<string, string>, headers: Record<string, string>): Promise<SetupReport> {
  const { app } = buildApp(fakeConfig(fake, env));
  const res = await request(app).get('/setup').set('Accept', 'application/json').set(headers).expect(200);
  return res.body as SetupReport;
}

const codes = (r: SetupReport) => r.warnings.map((w) => w.code);

describe('GET /setup, behind a proxy configured right', () => {
  it('sees the visitor\'s protocol, host and address and has nothing to warn about', async () => {
    const r = await report(HTTPS_SITE, { Host: '127.0.0.1:3000', 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'lastfm.example.com', 'X-Forwarded-For': '203.0.113.9' });
    expect(r.warnings).toEqual([]);
    expect(r.request).toMatchObject({ protocol: 'https', host: 'lastfm.example.com', ip: '203.0.113.9', peerTrusted: true });
    expect(r.callbackUrl).toBe('https://lastfm.example.com/auth/callback?state=…');
    expect(r.cookie).toEqual({ name: 'lastfm_signin.sid', path: '/', secure: true, setOnThisRequest: true });
    expect(r.lastfm).toEqual({
      sandbox: false,
      apiUrl: fake.apiUrl,
      authUrl: fake.authUrl,
      apiKey: 'set',
      check: { outcome: 'answered', message: `${fake.apiUrl} answered auth.getToken: the API key and the shared secret are accepted.` },
    });
    expect(fake.calls('auth.getToken')).toHaveLength(1);
    expect(fake.calls('auth.getToken')[0]?.signatureValid).toBe(true);
    expect(r.sessionStore).toBe('memory');
  });

  it('shows the same callback URL that /auth/login then sends to Last.fm', async () => {
    const { app } = buildApp(fakeConfig(fake, { PUBLIC_URL: 'http://127.0.0.1:3999/lastfm/' }));
    const page = await request(app).get('/lastfm/setup').expect(200);
    const shown = /data-testid="callback-url">([^<]+)</.exec(page.text)?.[1] ?? '';
    expect(shown).toBe('http://127.0.0.1:3999/lastfm/auth/callback?state=…');
    const login = await request(app).get('/lastfm/auth/login').expect(303);
    const cb = new URL(login.headers.location as string).searchParams.get('cb') ?? '';
    expect(cb.startsWith(shown.replace('…', ''))).toBe(true);
  });
});

describe('GET /setup warns about each mismatch', () => {
  it('PUBLIC_URL is https but the request came over http with no X-Forwarded-Proto', async () => {
    const r = await report(HTTPS_SITE, { Host: 'lastfm.example.com' });
    expect(codes(r)).toEqual(['https-not-seen']);
    expect(r.warnings[0]?.message).toContain('no X-Forwarded-Proto');
    expect(r.cookie.setOnThisRequest).toBe(false);
  });

  it('X-Forwarded-* headers arrive but TRUST_PROXY does not trust the proxy', async () => {
    const r = await report({ PUBLIC_URL: 'https://lastfm.example.com/' }, { Host: 'lastfm.example.com', 'X-Forwarded-Proto': 'https', 'X-Forwarded-For': '203.0.113.9' });
    expect(codes(r)).toEqual(['https-not-seen', 'forwarded-untrusted']);
    expect(r.warnings[0]?.message).toContain('was not trusted');
    expect(r.warnings[1]?.message).toContain('x-forwarded-for, x-forwarded-proto');
    expect(r.request.ip).toMatch(/127\.0\.0\.1$/);
  });

  it('the request is for another host than PUBLIC_URL\'s', async () => {
    const r = await report(HTTPS_SITE, { Host: '192.168.1.20:3000', 'X-Forwarded-Proto': 'https' });
    expect(codes(r)).toEqual(['host-mismatch']);
    expect(r.warnings[0]?.message).toContain('"192.168.1.20:3000"');
    expect(r.warnings[0]?.message).toContain('"lastfm.example.com"');
  });

  it('treats the default port as the same host', async () => {
    const r = await report(HTTPS_SITE, { Host: 'lastfm.example.com:443', 'X-Forwarded-Proto': 'https' });
    expect(r.warnings).toEqual([]);
  });

  it('people arrive over https but PUBLIC_URL is http', async () => {
    const r = await report({ PUBLIC_URL: 'http://lastfm.example.com/', TRUST_PROXY: '1' }, { Host: 'lastfm.example.com', 'X-Forwarded-Proto': 'https' });
    expect(codes(r)).toEqual(['https-but-http-public-url']);
  });

  it('TRUST_PROXY=true, and a SESSION_SECRET made up at start', async () => {
    const config = loadConfig({ NODE_ENV: 'test', PUBLIC_URL: 'http://lastfm.example.com/', TRUST_PROXY: 'true' });
    const { app } = buildApp(config);
    const res = await request(app).get('/setup').set('Host', 'lastfm.example.com').expect(200);
    expect(res.text).toContain('data-warning="trust-everyone"');
    expect(res.text).toContain('data-warning="generated-session-secret"');
    expect(res.text).not.toContain('data-testid="setup-ok"');
  });

  it('renders each warning on the HTML page, escaped', async () => {
    const { app } = buildApp(fakeConfig(fake, HTTPS_SITE));
    const res = await request(app).get('/setup').set('Host', 'evil"<b>.example').expect(200);
    expect(res.text).toContain('data-warning="https-not-seen"');
    expect(res.text).toContain('data-warning="host-mismatch"');
    expect(res.text).not.toContain('evil"<b>');
    expect(res.headers['cache-control']).toBe('no-store');
  });
});

describe('GET /setup keeps secrets and stays off in production', () => {
  it('never shows the shared secret, the API key, the session secret or the session cookie', async () => {
    const { app } = buildApp(fakeConfig(fake, HTTPS_SITE));
    const cookie = 'lastfm_signin.sid=s%3Acookie-value-that-must-not-echo';
    const headers = { Host: 'lastfm.example.com', 'X-Forwarded-Proto': 'https', Cookie: cookie, Authorization: 'Bearer auth-header-that-must-not-echo' };
    const html = await request(app).get('/setup').set(headers).expect(200);
    const json = await request(app).get('/setup').set(headers).set('Accept', 'application/json').expect(200);
    for (const body of [html.text, JSON.stringify(json.body)]) {
      for (const secret of [FAKE_SECRET, FAKE_API_KEY, TEST_SESSION_SECRET, 'cookie-value-that-must-not-echo', 'auth-header-that-must-not-echo']) {
        expect(body).not.toContain(secret);
      }
    }
  });

  const production = { NODE_ENV: 'production', PUBLIC_URL: 'https://lastfm.example.com/', TRUST_PROXY: 'loopback' };

  it('is a 404 in production unless SETUP_PAGE=on', async () => {
    const off = buildApp(fakeConfig(fake, production)).app;
    await request(off).get('/setup').expect(404);
    const on = buildApp(fakeConfig(fake, { ...production, SETUP_PAGE: 'on' })).app;
    const res = await request(on).get('/setup').set({ Host: 'lastfm.example.com', 'X-Forwarded-Proto': 'https' }).expect(200);
    expect(res.text).toContain('Setup check');
  });

  it('shows the sandbox\'s endpoints in sandbox mode', async () => {
    const config = loadConfig({ NODE_ENV: 'test', PORT: '4123', PUBLIC_URL: 'http://127.0.0.1:4123/sub/' });
    const res = await request(buildApp(config).app).get('/sub/setup').set('Accept', 'application/json').expect(200);
    expect((res.body as SetupReport).lastfm).toMatchObject({ sandbox: true, apiUrl: 'http://127.0.0.1:4123/sub/sandbox/2.0/', authUrl: 'http://127.0.0.1:4123/sub/sandbox/api/auth/', apiKey: 'sandbox' });
  });
});

describe('Secure cookie behind a TLS-terminating proxy', () => {
  it('is set, Secure, when TRUST_PROXY believes the proxy\'s X-Forwarded-Proto', async () => {
    const { app } = buildApp(fakeConfig(fake, HTTPS_SITE));
    const res = await request(app).get('/auth/login').set({ Host: 'lastfm.example.com', 'X-Forwarded-Proto': 'https' }).expect(303);
    const cookie = (res.headers['set-cookie'] as unknown as string[] | undefined)?.[0] ?? '';
    expect(cookie).toMatch(/^lastfm_signin\.sid=/);
    expect(cookie).toContain('Secure');
    expect(res.headers['strict-transport-security']).toBeDefined();
  });

  it('is never set without TRUST_PROXY, which is what /setup warns about', async () => {
    const { app } = buildApp(fakeConfig(fake, { PUBLIC_URL: 'https://lastfm.example.com/' }));
    const res = await request(app).get('/auth/login').set({ Host: 'lastfm.example.com', 'X-Forwarded-Proto': 'https' }).expect(303);
    expect(res.headers['set-cookie']).toBeUndefined();
  });
});

describe('GET /setup checks that the configured Last.fm answers', () => {
  const SITE = { PUBLIC_URL: 'http://lastfm.example.com/' };
  const HOST = { Host: 'lastfm.example.com' };

  it('says so, and finds no mismatch, only when Last.fm accepted the key and secret', async () => {
    const { app } = buildApp(fakeConfig(fake, SITE));
    const res = await request(app).get('/setup').set(HOST).expect(200);
    expect(res.text).toContain('data-outcome="answered"');
    expect(res.text).toContain('data-testid="setup-ok"');
  });

  it('says Last.fm cannot be reached, instead of "No mismatch found", when nothing answers there', async () => {
    const closed = await freePort();
    const apiUrl = `http://127.0.0.1:${closed}/2.0/`;
    const { app } = buildApp(fakeConfig(fake, { ...SITE, LASTFM_API_URL: apiUrl }));
    const res = await request(app).get('/setup').set(HOST).expect(200);
    expect(res.text).toContain('data-warning="lastfm-unreachable"');
    expect(res.text).toContain(`${apiUrl} could not be reached (ECONNREFUSED). Sign-in cannot work until this is fixed.`);
    expect(res.text).not.toContain('data-testid="setup-ok"');
    expect(res.text).not.toContain('No mismatch found');
  });

  /** /setup's report when Last.fm accepts the connection but never answers, with this LASTFM_TIMEOUT_MS. */
  async function reportFromSilentLastfm(timeoutMs: string): Promise<{ apiUrl: string; report: SetupReport }> {
    const silent = http.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const apiUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/2.0/`;
      const { app } = buildApp(fakeConfig(fake, { ...SITE, LASTFM_API_URL: apiUrl, LASTFM_TIMEOUT_MS: timeoutMs }));
      const res = await request(app).get('/setup').set(HOST).set('Accept', 'application/json').timeout(8000).expect(200);
      return { apiUrl, report: res.body as SetupReport };
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  }

  it('gives up after a short timeout when Last.fm accepts the connection but never answers', async () => {
    const { apiUrl, report: r } = await reportFromSilentLastfm('300');
    expect(r.lastfm.check).toEqual({ outcome: 'unreachable', message: `${apiUrl} did not answer within 300 ms.` });
    expect(codes(r)).toEqual(['lastfm-unreachable']);
  });

  it('gives up after 3 s, not after the longer LASTFM_TIMEOUT_MS that other calls get', async () => {
    const { apiUrl, report: r } = await reportFromSilentLastfm('20000');
    expect(r.lastfm.check).toEqual({ outcome: 'unreachable', message: `${apiUrl} did not answer within 3000 ms.` });
  }, 15_000);

  it('names the API key or the shared secret when Last.fm refuses one of them', async () => {
    const wrongKey = await report({ ...SITE, LASTFM_API_KEY: 'not-the-right-key' }, HOST);
    expect(codes(wrongKey)).toEqual(['lastfm-key-refused']);
    expect(wrongKey.warnings[0]?.message).toContain('check LASTFM_API_KEY');
    const wrongSecret = await report({ ...SITE, LASTFM_SHARED_SECRET: 'not-the-right-secret' }, HOST);
    expect(codes(wrongSecret)).toEqual(['lastfm-signature-refused']);
    expect(wrongSecret.warnings[0]?.message).toContain('LASTFM_SHARED_SECRET is not the one that came with LASTFM_API_KEY');
    expect(JSON.stringify([wrongKey, wrongSecret])).not.toContain('not-the-right-');
  });

  it('tells an answer that is not Last.fm\'s, and a Last.fm error that proves nothing, from success', async () => {
    fake.replyNext({ status: 200, body: '<html>captive portal</html>', contentType: 'text/html' });
    const notLastfm = await report(SITE, HOST);
    expect(notLastfm.lastfm.check.outcome).toBe('unreachable');
    expect(notLastfm.lastfm.check.message).toContain('something other than Last.fm\'s JSON');
    fake.replyNextError(11, 'Service Offline - This service is temporarily offline, try again later.');
    const offline = await report(SITE, HOST);
    expect(codes(offline)).toEqual(['lastfm-lastfm-error']);
    expect(offline.lastfm.check.message).toContain('error 11');
  });

  it('asks Last.fm at most once per half minute, however often the page is loaded', async () => {
    const { app } = buildApp(fakeConfig(fake, SITE));
    await Promise.all([1, 2, 3].map(() => request(app).get('/setup').set(HOST).expect(200)));
    await request(app).get('/setup').set(HOST).expect(200);
    expect(fake.calls('auth.getToken')).toHaveLength(1);
  });
});

describe('GET /setup and SESSION_SECRET', () => {
  it('does not call a development secret kept under DATA_DIR "set"', async () => {
    const config = loadConfig(
      { NODE_ENV: 'development', PUBLIC_URL: 'http://lastfm.example.com/', LASTFM_API_KEY: FAKE_API_KEY, LASTFM_SHARED_SECRET: FAKE_SECRET, LASTFM_API_URL: fake.apiUrl, LASTFM_AUTH_URL: fake.authUrl },
      { developmentSecret: () => TEST_SESSION_SECRET },
    );
    const { app } = buildApp(config);
    const html = await request(app).get('/setup').set('Host', 'lastfm.example.com').expect(200);
    expect(/data-testid="session-secret">([^<]*)</.exec(html.text)?.[1]).toBe('not set: using the development secret kept under DATA_DIR (production requires SESSION_SECRET)');
    const json = await request(app).get('/setup').set('Host', 'lastfm.example.com').set('Accept', 'application/json').expect(200);
    expect((json.body as SetupReport).sessionSecret).toBe('development-file');
  });

  it('says "set" only when SESSION_SECRET is', async () => {
    const { app } = buildApp(fakeConfig(fake, { PUBLIC_URL: 'http://lastfm.example.com/' }));
    const html = await request(app).get('/setup').set('Host', 'lastfm.example.com').expect(200);
    expect(/data-testid="session-secret">([^<]*)</.exec(html.text)?.[1]).toBe('set');
  });
});

