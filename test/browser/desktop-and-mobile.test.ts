import type { Page } from 'playwright-core';
import { sandboxBrowserSuite } from '../helpers/browser';

jest.setTimeout(60_000);

const suite = sandboxBrowserSuite();
const { sandboxState } = suite;

/**
 * Console errors other than Chromium's note about a page answered with the given 4xx status
 * (the "not approved yet" and "wrong password" pages are 409 and 401 on purpose).
 */
function collectConsoleErrors(page: Page, expectedStatus: number): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    if (message.text() === `Failed to load resource: the server responded with a status of ${expectedStatus} (${expectedStatus === 409 ? 'Conflict' : 'Unauthorized'})`) return;
    errors.push(message.text());
  });
  return errors;
}

async function screenshot(page: Page, name: string): Promise<void> {
  if (process.env.SCREENSHOT_DIR !== undefined) await page.screenshot({ path: `${process.env.SCREENSHOT_DIR}/${name}.png`, fullPage: true });
}

describe('desktop and password sign-in in a real browser, against the sandbox', () => {
  it('desktop: creates a token, approves it on the stand-in in a new tab, then gets the session', async () => {
    const context = await suite.browser.newContext({ viewport: { width: 900, height: 700 } });
    const page = await context.newPage();
    const consoleErrors = collectConsoleErrors(page, 409);

    await page.goto(`${suite.server.baseUrl}/`);
    await page.getByRole('link', { name: 'Sign in with a desktop token' }).click();
    await page.waitForURL(`${suite.server.baseUrl}/desktop`);
    await page.getByRole('button', { name: 'Create a token' }).click();
    await page.waitForURL(`${suite.server.baseUrl}/desktop#tokens`);
    // The page opens on the list with the new token, and the focus is there.
    await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe('tokens');
    await expect(page.getByTestId('token-status').allTextContents()).resolves.toEqual(['New']);

    // Asking before approving is the common mistake: the token stays as it was (it was never
    // sent for approval) and the page says what to do, at a GET URL that a reload does not resubmit.
    await page.getByRole('button', { name: 'Get session' }).click();
    await expect(page.getByTestId('notice').textContent()).resolves.toContain('not approved yet: approve it on Last.fm, then try again');
    expect(page.url()).toBe(`${suite.server.baseUrl}/desktop`);
    await expect(page.getByTestId('token-status').allTextContents()).resolves.toEqual(['New']);
    await screenshot(page, 'desktop-not-approved');
    const exchanges = sandboxState.calls.of('auth.getSession');
    await page.reload();
    await expect(page.getByTestId('notice').count()).resolves.toBe(0);
    expect(sandboxState.calls.of('auth.getSession')).toBe(exchanges);

    const [authorizeTab] = await Promise.all([context.waitForEvent('page'), page.getByRole('link', { name: 'Authorize on Last.fm' }).click()]);
    await authorizeTab.waitForURL(/\/sandbox\/api\/auth\/\?api_key=[^&]+&token=/);
    await authorizeTab.selectOption('select[name=user]', 'sandbox-ada');
    await authorizeTab.getByRole('button', { name: 'Yes, allow access' }).click();
    await expect(authorizeTab.locator('h1').textContent()).resolves.toBe('Application authorized');
    await authorizeTab.close();

    await page.getByRole('button', { name: 'Get session' }).click();
    await page.waitForURL(`${suite.server.baseUrl}/`);
    await expect(page.locator('h1').textContent()).resolves.toBe('Hello, sandbox-ada');

    await page.goto(`${suite.server.baseUrl}/desktop`);
    await expect(page.getByTestId('token-status').allTextContents()).resolves.toEqual(['Used']);
    await expect(page.getByRole('button', { name: 'Get session' }).count()).resolves.toBe(0);
    await screenshot(page, 'desktop-used');

    const keys = [...sandboxState.sessionKeys.keys()];
    expect(keys.length).toBeGreaterThan(0);
    const cookies = JSON.stringify(await context.cookies());
    const html = await page.content();
    for (const key of keys) {
      expect(cookies).not.toContain(key);
      expect(html).not.toContain(key);
    }
    expect(consoleErrors).toEqual([]);
    await context.close();
  });

  it('password: a wrong password keeps the user name and clears the password; the right one signs in', async () => {
    const context = await suite.browser.newContext({ viewport: { width: 900, height: 700 } });
    const page = await context.newPage();
    const consoleErrors = collectConsoleErrors(page, 401);

    await page.goto(`${suite.server.baseUrl}/`);
    await page.getByRole('link', { name: 'Sign in with your password' }).click();
    await page.waitForURL(`${suite.server.baseUrl}/auth/mobile`);
    await page.getByLabel('Last.fm user name or email').fill('ada@sandbox.invalid');
    await page.getByLabel('Password').fill('not-her-password');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();

    await expect(page.getByTestId('problem').textContent()).resolves.toContain('Wrong user name or password');
    await expect(page.getByLabel('Last.fm user name or email').inputValue()).resolves.toBe('ada@sandbox.invalid');
    await expect(page.getByLabel('Password').inputValue()).resolves.toBe('');
    expect(page.url()).toBe(`${suite.server.baseUrl}/auth/mobile`);
    expect(await page.content()).not.toContain('not-her-password');
    await screenshot(page, 'mobile-wrong-password');

    await page.getByLabel('Password').fill('ada-listens');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL(`${suite.server.baseUrl}/`);
    // The name Last.fm answered with, not the email typed.
    await expect(page.locator('h1').textContent()).resolves.toBe('Hello, sandbox-ada');
    expect(suite.server.logs.text).not.toContain('ada-listens');
    expect(suite.server.logs.text).not.toContain('not-her-password');
    expect(consoleErrors).toEqual([]);
    await context.close();
  });

  it('the start page offers all three ways to sign in', async () => {
    const context = await suite.browser.newContext({ viewport: { width: 900, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${suite.server.baseUrl}/`);
    await expect(page.getByRole('link', { name: 'Sign in with Last.fm' }).getAttribute('href')).resolves.toBe('/auth/login');
    await expect(page.getByRole('link', { name: 'Sign in with a desktop token' }).isVisible()).resolves.toBe(true);
    await expect(page.getByRole('link', { name: 'Sign in with your password' }).isVisible()).resolves.toBe(true);
    await screenshot(page, 'home-three-ways');
    await context.close();
  });
});
