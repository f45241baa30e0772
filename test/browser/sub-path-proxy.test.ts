import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { loadConfig } from '../../src/config';
import { buildApp, TEST_SESSION_SECRET } from '../helpers/app';
import { launchBrowser } from '../helpers/browser';
import { PagesSeen } from '../helpers/html-validity';
import { closeServer, listenOnLoopback, startProxy } from '../helpers/reverse-proxy';

jest.setTimeout(60_000);

let browser: Browser;
/** Every page this file's browser receives must be valid HTML. */
let pages: PagesSeen;
let appServer: http.Server;
let proxy: http.Server;
let origin: string;

beforeAll(async () => {
  browser = await launchBrowser();
  pages = new PagesSeen(browser);
  appServer = http.createServer();
  const appPort = await listenOnLoopback(appServer);
  proxy = await startProxy(appPort, true);
  origin = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  const config = loadConfig({ NODE_ENV: 'test', HOST: '127.0.0.1', PORT: String(appPort), PUBLIC_URL: `${origin}/sub/`, TRUST_PROXY: 'loopback', SESSION_SECRET: TEST_SESSION_SECRET });
  appServer.on('request', buildApp(config).app);
});

afterAll(async () => {
  await browser.close();
  await closeServer(proxy);
  await closeServer(appServer);
  await pages.check();
});

describe('in a real browser, on a sub-path behind a proxy that strips it', () => {
  it('loads styles, signs in through the sandbox, and the setup page finds nothing wrong', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('response', (response) => {
      if (response.status() >= 400) problems.push(`${String(response.status())} ${response.url()}`);
    });

    await page.goto(`${origin}/sub/`);
    // The stylesheet came through the proxy: the banner is styled, not a plain block.
    const banner = page.locator('.sandbox-banner');
    await expect(banner.evaluate((element) => getComputedStyle(element).fontWeight)).resolves.toBe('600');

    await page.getByRole('link', { name: 'Sign in with Last.fm' }).click();
    await page.waitForURL(`${origin}/sub/sandbox/api/auth/**`);
    await page.getByRole('button', { name: 'Yes, allow access' }).click();
    await page.waitForURL(`${origin}/sub/`);
    await expect(page.locator('h1').textContent()).resolves.toBe('Hello, sandbox-ada');
    const cookies = await context.cookies();
    expect(cookies.map((cookie) => [cookie.name, cookie.path])).toEqual([['lastfm_signin.sid', '/sub/']]);

    await page.goto(`${origin}/sub/setup`);
    await expect(page.getByTestId('setup-ok').isVisible()).resolves.toBe(true);
    await expect(page.getByTestId('callback-url').textContent()).resolves.toBe(`${origin}/sub/auth/callback?state=…`);
    await expect(page.textContent('body')).resolves.toContain('the proxy strips it (supported)');
    if (process.env.SCREENSHOT_DIR !== undefined) await page.screenshot({ path: `${process.env.SCREENSHOT_DIR}/setup.png`, fullPage: true });

    await page.goto(`${origin}/sub/`);
    await page.locator('main').getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${origin}/sub/?signed-out=here`);
    await expect(page.locator('h1').textContent()).resolves.toBe('Sign in with Last.fm');
    expect(problems).toEqual([]);
    await context.close();
  });

  it('shows the setup page\'s warnings when the app is reached without the proxy', async () => {
    const page = await browser.newPage();
    const direct = `http://127.0.0.1:${(appServer.address() as AddressInfo).port}`;
    await page.goto(`${direct}/sub/setup`);
    await expect(page.locator('[data-warning="host-mismatch"]').isVisible()).resolves.toBe(true);
    if (process.env.SCREENSHOT_DIR !== undefined) await page.screenshot({ path: `${process.env.SCREENSHOT_DIR}/setup-warnings.png`, fullPage: true });
    await page.close();
  });
});
