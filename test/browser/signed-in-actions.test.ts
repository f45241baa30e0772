import type { Page } from 'playwright-core';
import { sandboxBrowserSuite, signInOnSandbox } from '../helpers/browser';

jest.setTimeout(90_000);

const suite = sandboxBrowserSuite();
const { sandboxState } = suite;

function signIn(page: Page): Promise<void> {
  return signInOnSandbox(page, suite.server.baseUrl);
}

function form(page: Page, heading: string) {
  return page.locator('form', { has: page.getByRole('heading', { name: heading }) });
}

describe('what a signed-in person does, in a real browser, against the sandbox', () => {
  it('scrobbles a track, loves it, adds tags, and sees each change on the page', async () => {
    const context = await suite.browser.newContext({ viewport: { width: 1000, height: 900 } });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });

    await signIn(page);
    await expect(page.getByTestId('profile').textContent()).resolves.toContain('Ada Sandbox');
    await expect(page.getByTestId('playcount').textContent()).resolves.toBe('0');

    const scrobble = form(page, 'Scrobble a track');
    await scrobble.getByLabel('Artist', { exact: true }).fill('Sigur Rós');
    await scrobble.getByLabel('Track').fill('Hoppípolla');
    await scrobble.getByLabel('Album').fill('Takk...');
    await scrobble.getByRole('button', { name: 'Scrobble' }).click();
    await page.waitForURL(`${suite.server.baseUrl}/#message`);
    await expect(page.getByTestId('flash').textContent()).resolves.toContain('Scrobbled 1 track');
    const recent = page.getByTestId('recent-tracks');
    await expect(recent.textContent()).resolves.toContain('Hoppípolla');
    await expect(recent.textContent()).resolves.toContain('Sigur Rós · Takk...');
    await expect(page.getByTestId('playcount').textContent()).resolves.toBe('1');

    const row = recent.locator('li', { hasText: 'Hoppípolla' });
    await row.getByRole('button', { name: 'Love' }).click();
    await page.waitForURL(`${suite.server.baseUrl}/#message`);
    await expect(page.getByTestId('flash').textContent()).resolves.toContain('Loved Sigur Rós – Hoppípolla');
    await expect(row.textContent()).resolves.toContain('Loved');
    await expect(row.getByRole('button', { name: 'Unlove' }).count()).resolves.toBe(1);

    const addTags = form(page, 'Add tags');
    await addTags.getByLabel('On').selectOption('artist');
    await addTags.getByLabel('Artist', { exact: true }).fill('Sigur Rós');
    await addTags.getByLabel('Tags').fill('post-rock, icelandic');
    await addTags.getByRole('button', { name: 'Add tags' }).click();
    await page.waitForURL(`${suite.server.baseUrl}/#message`);
    await expect(page.getByTestId('flash').textContent()).resolves.toContain('Tagged Sigur Rós with: post-rock, icelandic');
    await expect(page.getByTestId('top-tags').textContent()).resolves.toContain('post-rock');
    await expect(page.getByTestId('top-tags').textContent()).resolves.toContain('icelandic');

    // Album art and the avatar load under the page's CSP.
    const imagesLoaded = await page.evaluate(() => Array.from(document.images).every((image) => image.complete && image.naturalWidth > 0));
    expect(imagesLoaded).toBe(true);

    await page.screenshot({ path: `${process.env.SCREENSHOT_DIR ?? '/tmp'}/signed-in-home.png`, fullPage: true });
    expect(problems).toEqual([]);
    await context.close();
  });

  it('keeps what the person typed when the input is refused', async () => {
    const context = await suite.browser.newContext();
    const page = await context.newPage();
    await signIn(page);
    const addTags = form(page, 'Add tags');
    await addTags.getByLabel('Artist', { exact: true }).fill('Björk');
    await addTags.getByLabel('Tags').fill('a,b,c,d,e,f,g,h,i,j,k');
    await addTags.getByRole('button', { name: 'Add tags' }).click();
    // The home page again: the message beside this form, in its words, and what was typed.
    await expect(page.locator('h1').textContent()).resolves.toBe('Hello, sandbox-ada');
    await expect(form(page, 'Add tags').getByTestId('form-error').textContent()).resolves.toBe('Tags has 11 tags; at most 10 can be added at once.');
    await expect(page.locator('main').textContent()).resolves.not.toContain('Request id');
    await expect(form(page, 'Add tags').getByLabel('Tags').inputValue()).resolves.toBe('a,b,c,d,e,f,g,h,i,j,k');
    await expect(form(page, 'Add tags').getByLabel('Artist', { exact: true }).inputValue()).resolves.toBe('Björk');
    await context.close();
  });

  it('shows a revoked key as a sign-out with a one-click sign-in, and an outage as nothing changed', async () => {
    const context = await suite.browser.newContext();
    const page = await context.newPage();
    await signIn(page);
    // Now playing is never queued or retried: an outage is reported as nothing changed.
    const nowPlaying = form(page, 'Now playing');
    await nowPlaying.getByLabel('Artist', { exact: true }).fill('Björk');
    await nowPlaying.getByLabel('Track').fill('Jóga');

    sandboxState.faults.plan({ kind: 'error', code: 11 });
    await nowPlaying.getByRole('button', { name: 'Update now playing' }).click();
    await expect(page.locator('h1').textContent()).resolves.toBe('Last.fm is unavailable');
    await expect(page.locator('main').textContent()).resolves.toContain('nothing was changed');
    expect(sandboxState.library.of('sandbox-ada').nowPlaying).toBeUndefined();

    await page.goBack();
    for (const [key, user] of sandboxState.sessionKeys) if (user === 'sandbox-ada') sandboxState.sessionKeys.delete(key);
    await form(page, 'Now playing').getByLabel('Artist', { exact: true }).fill('Björk');
    await form(page, 'Now playing').getByLabel('Track').fill('Jóga');
    await form(page, 'Now playing').getByRole('button', { name: 'Update now playing' }).click();
    await expect(page.locator('h1').textContent()).resolves.toBe('Last.fm access was revoked; sign in again');
    await expect(page.locator('.site-header').textContent()).resolves.not.toContain('Signed in as');
    await page.getByRole('link', { name: 'Sign in with Last.fm again' }).click();
    await page.waitForURL(/\/sandbox\/api\/auth\//);
    await context.close();
  });
});
