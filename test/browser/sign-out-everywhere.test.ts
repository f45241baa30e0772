import type { Browser, BrowserContext } from 'playwright-core';
import { launchBrowser } from '../helpers/browser';
import { PagesSeen } from '../helpers/html-validity';
import { startSandboxServer } from '../helpers/app';

jest.setTimeout(60_000);

let browser: Browser;
/** Every page this file's browser receives must be valid HTML. */
let pages: PagesSeen;
let server: Awaited<ReturnType<typeof startSandboxServer>>;

beforeAll(async () => {
  browser = await launchBrowser();
  pages = new PagesSeen(browser);
  server = await startSandboxServer();
});

afterAll(async () => {
  await browser.close();
  await server.close();
  await pages.check();
});

async function signedIn(user: string): Promise<BrowserContext> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${server.baseUrl}/auth/login`);
  await page.selectOption('select[name=user]', user);
  await page.getByRole('button', { name: 'Yes, allow access' }).click();
  await page.waitForURL(`${server.baseUrl}/`);
  await expect(page.locator('h1').textContent()).resolves.toBe(`Hello, ${user}`);
  return context;
}

describe('sign out everywhere in real browsers', () => {
  it("ends the person's sessions in every browser and leaves someone else signed in", async () => {
    const laptop = await signedIn('sandbox-ada');
    const phone = await signedIn('sandbox-ada');
    const someoneElse = await signedIn('sandbox-bo');

    const page = laptop.pages()[0];
    if (page === undefined) throw new Error('no page');
    if (process.env.SCREENSHOT_DIR !== undefined) await page.screenshot({ path: `${process.env.SCREENSHOT_DIR}/home-signed-in.png` });
    // The bigger step is behind one more choice.
    await expect(page.getByRole('button', { name: 'Sign me out everywhere' }).isVisible()).resolves.toBe(false);
    await page.getByText('Sign out everywhere…').click();
    await page.getByRole('button', { name: 'Sign me out everywhere' }).click();
    await page.waitForURL(`${server.baseUrl}/?signed-out=everywhere`);
    await expect(page.locator('h1').textContent()).resolves.toBe('Sign in with Last.fm');
    await expect(page.getByTestId('signed-out').textContent()).resolves.toContain('You are signed out everywhere');

    const phonePage = phone.pages()[0];
    await phonePage?.reload();
    await expect(phonePage?.locator('h1').textContent()).resolves.toBe('Sign in with Last.fm');

    const otherPage = someoneElse.pages()[0];
    await otherPage?.reload();
    await expect(otherPage?.locator('h1').textContent()).resolves.toBe('Hello, sandbox-bo');

    for (const context of [laptop, phone, someoneElse]) await context.close();
  });
});
