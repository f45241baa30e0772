import { sandboxBrowserSuite } from '../helpers/browser';

jest.setTimeout(60_000);

const suite = sandboxBrowserSuite();
const { sandboxState } = suite;

describe('web sign-in in a real browser, against the sandbox', () => {
  it('signs in through the stand-in authorize page, shows the user name, and signs out', async () => {
    const context = await suite.browser.newContext();
    const page = await context.newPage();
    const consoleErrors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });

    await page.goto(`${suite.server.baseUrl}/`);
    await expect(page.getByRole('status').first().textContent()).resolves.toContain('Sandbox: not connected to Last.fm');
    await page.getByRole('link', { name: 'Sign in with Last.fm' }).click();

    await page.waitForURL(/\/sandbox\/api\/auth\//);
    await expect(page.textContent('body')).resolves.toContain('SANDBOX');
    await page.selectOption('select[name=user]', 'sandbox-bo');
    await page.getByRole('button', { name: 'Yes, allow access' }).click();

    await page.waitForURL(`${suite.server.baseUrl}/`);
    await expect(page.locator('h1').textContent()).resolves.toBe('Hello, sandbox-bo');

    // The session key the stand-in issued is nowhere the browser can see.
    const [sessionKey] = [...sandboxState.sessionKeys.keys()];
    expect(sessionKey).toBeDefined();
    const cookies = await context.cookies();
    expect(cookies.map((c) => c.name)).toEqual(['lastfm_signin.sid']);
    expect(cookies[0]?.httpOnly).toBe(true);
    expect(JSON.stringify(cookies)).not.toContain(sessionKey);
    expect(await page.content()).not.toContain(sessionKey);
    expect(page.url()).not.toContain(sessionKey);

    await page.locator('main').getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${suite.server.baseUrl}/?signed-out=here`);
    await expect(page.locator('h1').textContent()).resolves.toBe('Sign in with Last.fm');
    await expect(page.getByTestId('signed-out').textContent()).resolves.toContain('You are signed out.');
    expect(consoleErrors).toEqual([]);
    await context.close();
  });

  it('comes back signed out with a clear page when the person says "No thanks"', async () => {
    const context = await suite.browser.newContext();
    const page = await context.newPage();
    await page.goto(`${suite.server.baseUrl}/auth/login`);
    await page.getByRole('button', { name: 'No thanks' }).click();
    await page.waitForURL(/\/auth\/callback/);
    await expect(page.locator('h1').textContent()).resolves.toBe('You did not give access');
    await page.getByRole('link', { name: 'Sign in with Last.fm' }).click();
    await page.waitForURL(/\/sandbox\/api\/auth\//);
    await context.close();
  });

  it('renders the pages as a person sees them (screenshots for review)', async () => {
    const context = await suite.browser.newContext({ viewport: { width: 900, height: 640 } });
    const page = await context.newPage();
    await page.goto(`${suite.server.baseUrl}/`);
    const styled = await page.evaluate(() => getComputedStyle(document.querySelector('.sandbox-banner') as Element).backgroundImage);
    expect(styled).toContain('repeating-linear-gradient');
    if (process.env.SCREENSHOT_DIR !== undefined) {
      await page.screenshot({ path: `${process.env.SCREENSHOT_DIR}/home.png` });
      await page.getByRole('link', { name: 'Sign in with Last.fm' }).click();
      await page.waitForURL(/\/sandbox\/api\/auth\//);
      await page.screenshot({ path: `${process.env.SCREENSHOT_DIR}/authorize.png` });
    }
    await context.close();
  });
});
