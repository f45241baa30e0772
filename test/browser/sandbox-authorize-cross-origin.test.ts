import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { SANDBOX_API_KEY } from 'lastfm-sign-in/testing';
import { startSandboxServer } from '../helpers/app';
import { launchBrowser } from '../helpers/browser';
import { PagesSeen } from '../helpers/html-validity';

jest.setTimeout(60_000);

let browser: Browser;
/** Every page this file's browser receives must be valid HTML. */
let pages: PagesSeen;
let sandbox: Awaited<ReturnType<typeof startSandboxServer>>;
/** Another app, on another loopback port (so another origin), that uses the sandbox to sign people in. */
let client: http.Server;
let clientOrigin: string;
const callbacks: URL[] = [];

beforeAll(async () => {
  browser = await launchBrowser();
  pages = new PagesSeen(browser);
  sandbox = await startSandboxServer();
  client = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', clientOrigin);
    if (url.pathname === '/lastfm/callback') callbacks.push(url);
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><title>Back at the client</title><h1>Back at the client</h1>');
  });
  await new Promise<void>((resolve) => client.listen(0, '127.0.0.1', resolve));
  clientOrigin = `http://127.0.0.1:${(client.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await browser.close();
  await sandbox.close();
  client.closeAllConnections();
  await new Promise<void>((resolve) => client.close(() => resolve()));
  await pages.check();
});

describe('sandbox authorize page, for a client on another origin', () => {
  it.each([
    ['allow', 'Yes, allow access', true],
    ['deny', 'No thanks', false],
  ] as const)('sends the browser back to the cb on the other origin after %s', async (_decision, button, withToken) => {
    callbacks.length = 0;
    const page = await browser.newPage();
    const violations: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') violations.push(message.text());
    });
    const cb = `${clientOrigin}/lastfm/callback?state=s1`;
    await page.goto(`${sandbox.baseUrl}/sandbox/api/auth/?api_key=${SANDBOX_API_KEY}&cb=${encodeURIComponent(cb)}`);
    await page.getByRole('button', { name: button }).click();
    await page.waitForURL(`${clientOrigin}/lastfm/callback?**`, { timeout: 10_000 });

    await expect(page.getByRole('heading').textContent()).resolves.toBe('Back at the client');
    expect(callbacks).toHaveLength(1);
    expect(callbacks[0]?.searchParams.get('state')).toBe('s1');
    if (withToken) expect(callbacks[0]?.searchParams.get('token')).toMatch(/^[0-9a-f]{32}$/);
    else expect(callbacks[0]?.searchParams.has('token')).toBe(false);
    expect(violations).toEqual([]);
    await page.close();
  });

  it('widens form-action by that one origin only, and not for a cb whose host could inject a directive', async () => {
    const formAction = async (query: string) => {
      const res = await fetch(`${sandbox.baseUrl}/sandbox/api/auth/?api_key=${SANDBOX_API_KEY}&${query}`);
      return /(?:^|;)\s*form-action ([^;]*)/.exec(res.headers.get('content-security-policy') ?? '')?.[1];
    };
    await expect(formAction(`cb=${encodeURIComponent(`${clientOrigin}/cb`)}`)).resolves.toBe(`'self' ${clientOrigin}`);
    await expect(formAction(`cb=${encodeURIComponent('http://a;script-src/cb')}`)).resolves.toBe("'self'");
    await expect(formAction('cb=notaurl')).resolves.toBe("'self'");
  });
});
