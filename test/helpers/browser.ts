import { chromium, type Browser, type Page } from 'playwright-core';
import { SandboxState } from 'lastfm-sign-in/testing';
import { startSandboxServer } from './app';
import { PagesSeen } from './html-validity';

type SandboxServer = Awaited<ReturnType<typeof startSandboxServer>>;

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Debian's Chromium, headless, with the flags that keep it off the (closed) network; Playwright gives it a fresh profile. */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/**
 * The usual browser-test setup: Chromium plus the whole app in sandbox mode on a loopback port,
 * started before the file's tests and closed after them. Every HTML page the file's browser
 * received must be valid HTML, or the file fails at the end.
 */
export function sandboxBrowserSuite(env: Record<string, string> = {}): { sandboxState: SandboxState; readonly browser: Browser; readonly server: SandboxServer; readonly pages: PagesSeen } {
  const sandboxState = new SandboxState();
  let browser: Browser | undefined;
  let server: SandboxServer | undefined;
  let pages: PagesSeen | undefined;
  beforeAll(async () => {
    browser = await launchBrowser();
    pages = new PagesSeen(browser);
    // A file's every sign-in comes from 127.0.0.1, a dozen within a minute: more than one address's rate.
    server = await startSandboxServer({ SIGN_IN_CALLS_PER_MINUTE: '1000', ...env }, { sandboxState });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await pages?.check();
  });
  return {
    sandboxState,
    get pages(): PagesSeen {
      if (pages === undefined) throw new Error('the browser starts in beforeAll');
      return pages;
    },
    get browser(): Browser {
      if (browser === undefined) throw new Error('the browser starts in beforeAll');
      return browser;
    },
    get server(): SandboxServer {
      if (server === undefined) throw new Error('the server starts in beforeAll');
      return server;
    },
  };
}

/** Signs in as a person does: the home page's button, then "Yes, allow access" on the sandbox. */
export async function signInOnSandbox(page: Page, baseUrl: string, user = 'sandbox-ada'): Promise<void> {
  await page.goto(`${baseUrl}/`);
  await page.getByRole('link', { name: 'Sign in with Last.fm' }).click();
  await page.waitForURL(/\/sandbox\/api\/auth\//);
  await page.selectOption('select[name=user]', user);
  await page.getByRole('button', { name: 'Yes, allow access' }).click();
  await page.waitForURL(`${baseUrl}/`);
}
