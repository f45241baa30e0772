import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SandboxState } from 'lastfm-sign-in/testing';
import { loadConfig } from '../../src/config';
import type { SetupReport } from '../../src/setup-check';
import { buildApp, csrfFrom, TEST_SESSION_SECRET } from '../helpers/app';
import { closeServer, listenOnLoopback, startProxy } from '../helpers/reverse-proxy';

/** A browser's worth of cookie handling: remembers name=value and each cookie's attributes. */
class Client {
  readonly cookies = new Map<string, string>();
  readonly setCookieHeaders: string[] = [];
  constructor(private readonly origin: string) {}

  async request(pathOrUrl: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<Response> {
    const url = new URL(pathOrUrl, this.origin);
    const headers: Record<string, string> = { Cookie: [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ') };
    if (init.form !== undefined) headers['Content-Type'] = 'application/x-www-form-urlencoded';
    const res = await fetch(url, { method: init.method ?? 'GET', headers, redirect: 'manual', body: init.form === undefined ? undefined : new URLSearchParams(init.form).toString() });
    for (const cookie of res.headers.getSetCookie()) {
      this.setCookieHeaders.push(cookie);
      const [pair = ''] = cookie.split(';');
      const equals = pair.indexOf('=');
      this.cookies.set(pair.slice(0, equals), pair.slice(equals + 1));
    }
    return res;
  }
}

/** Every link, asset, form action in a page. */
/** Every link, source and form target that leaves the page (an in-page #fragment stays on it). */
function targets(html: string): string[] {
  return [...html.matchAll(/\b(?:href|src|action)="([^"]*)"/g)].map((match) => match[1] ?? '').filter((target) => !target.startsWith('#'));
}

describe.each([
  ['passes the sub-path through', false],
  ['strips the sub-path', true],
])('behind a loopback reverse proxy that %s, with PUBLIC_URL=http://127.0.0.1:PORT/sub/', (_what, stripPrefix) => {
  const sandboxState = new SandboxState();
  let appServer: http.Server;
  let proxy: http.Server;
  let origin: string;

  beforeAll(async () => {
    appServer = http.createServer();
    const appPort = await listenOnLoopback(appServer);
    proxy = await startProxy(appPort, stripPrefix);
    origin = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    const config = loadConfig({ NODE_ENV: 'test', HOST: '127.0.0.1', PORT: String(appPort), PUBLIC_URL: `${origin}/sub/`, TRUST_PROXY: 'loopback', SESSION_SECRET: TEST_SESSION_SECRET });
    appServer.on('request', buildApp(config, { sandboxState }).app);
  });

  afterAll(async () => {
    await closeServer(proxy);
    await closeServer(appServer);
  });

  it('completes sign-in through the sandbox authorize page and signs out, every URL under /sub/', async () => {
    const client = new Client(origin);
    const home = await client.request('/sub/');
    expect(home.status).toBe(200);
    const homeHtml = await home.text();
    expect(targets(homeHtml).length).toBeGreaterThan(3);
    for (const target of targets(homeHtml)) expect(target).toMatch(/^\/sub\//);
    for (const asset of ['/sub/css/app.css', '/sub/images/favicon.svg']) expect((await client.request(asset)).status).toBe(200);

    const login = await client.request('/sub/auth/login');
    expect(login.status).toBe(303);
    const authorizeUrl = new URL(login.headers.get('location') ?? '');
    expect(`${authorizeUrl.origin}${authorizeUrl.pathname}`).toBe(`${origin}/sub/sandbox/api/auth/`);
    const cb = new URL(authorizeUrl.searchParams.get('cb') ?? '');
    expect(`${cb.origin}${cb.pathname}`).toBe(`${origin}/sub/auth/callback`);
    expect(client.setCookieHeaders.at(-1)).toMatch(/; Path=\/sub\/;/);

    const authorize = await client.request(authorizeUrl.href);
    expect(authorize.status).toBe(200);
    const authorizeHtml = await authorize.text();
    for (const target of targets(authorizeHtml)) expect(target).toMatch(/^\/sub\//);
    const action = /<form method="post" action="([^"]+)"/.exec(authorizeHtml)?.[1] ?? '';
    const requestId = /name="request" value="([^"]+)"/.exec(authorizeHtml)?.[1] ?? '';
    const allowed = await client.request(action, { method: 'POST', form: { request: requestId, user: 'sandbox-ada', decision: 'allow' } });
    expect(allowed.status).toBe(303);
    const back = new URL(allowed.headers.get('location') ?? '');
    expect(back.searchParams.get('state')).toBe(cb.searchParams.get('state'));

    const callback = await client.request(back.href);
    expect(callback.status).toBe(303);
    expect(callback.headers.get('location')).toBe('/sub/');

    const signedIn = await client.request('/sub/');
    const signedInHtml = await signedIn.text();
    expect(signedInHtml).toContain('Hello, sandbox-ada');
    // Sandbox images are absolute URLs, as Last.fm's are; they must still point under the sub-path.
    for (const target of targets(signedInHtml)) expect(target.replace(origin, '')).toMatch(/^\/sub\//);
    const [sessionKey] = [...sandboxState.sessionKeys.keys()].slice(-1);
    expect(sessionKey).toBeDefined();
    expect(signedInHtml).not.toContain(sessionKey);

    const logout = await client.request('/sub/auth/logout', { method: 'POST', form: { _csrf: csrfFrom(signedInHtml) } });
    expect(logout.status).toBe(303);
    expect(logout.headers.get('location')).toBe('/sub/?signed-out=here');
    expect(await (await client.request('/sub/')).text()).toContain('Sign in with Last.fm');
  });

  it('keeps error-page actions and sandbox pages under /sub/', async () => {
    const client = new Client(origin);
    const failed = await client.request('/sub/auth/callback?state=nope&token=x');
    expect(failed.status).toBe(400);
    const failedHtml = await failed.text();
    expect(failedHtml).toContain('href="/sub/auth/login"');
    for (const target of targets(failedHtml)) expect(target).toMatch(/^\/sub\//);

    const missing = await client.request('/sub/no-such-page');
    expect(missing.status).toBe(404);
    for (const target of targets(await missing.text())) expect(target).toMatch(/^\/sub\//);

    const sandbox = await client.request('/sub/sandbox/');
    expect(sandbox.status).toBe(200);
    for (const target of targets(await sandbox.text())) expect(target).toMatch(/^\/sub\//);
  });

  it('/setup sees the visitor as the proxy reports it, and finds nothing wrong', async () => {
    const res = await fetch(`${origin}/sub/setup`, { headers: { Accept: 'application/json' } });
    expect(res.status).toBe(200);
    const report = (await res.json()) as SetupReport;
    expect(report.warnings).toEqual([]);
    expect(report.request).toMatchObject({ protocol: 'http', host: new URL(origin).host, peerTrusted: true, prefixStripped: stripPrefix });
    expect(report.callbackUrl).toBe(`${origin}/sub/auth/callback?state=…`);
  });
});
