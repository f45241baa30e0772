import { sandboxBrowserSuite, signInOnSandbox } from '../helpers/browser';

jest.setTimeout(90_000);

// Short retry waits, so "reload, see it sent" needs no long wait once the sandbox is back.
const suite = sandboxBrowserSuite({ OUTBOX_RETRY_MAX_MS: '300' });
const { sandboxState } = suite;

describe('a scrobble while Last.fm is down, in a real browser', () => {
  it('is queued while the sandbox is told to be down, and shown as sent after it is switched back and the page reloaded', async () => {
    const context = await suite.browser.newContext();
    const page = await context.newPage();
    await signInOnSandbox(page, suite.server.baseUrl);

    // The person tells the sandbox to be down, from its own page.
    await page.goto(`${suite.server.baseUrl}/sandbox/`);
    await page.getByRole('button', { name: 'Take Last.fm down' }).click();
    await expect(page.getByTestId('sandbox-status').textContent()).resolves.toBe('down');

    await page.goto(`${suite.server.baseUrl}/`);
    const scrobble = page.locator('form', { has: page.getByRole('heading', { name: 'Scrobble a track' }) });
    await scrobble.getByLabel('Artist', { exact: true }).fill('Sigur Rós');
    await scrobble.getByLabel('Track').fill('Glósóli');
    await scrobble.getByRole('button', { name: 'Scrobble' }).click();
    await page.waitForURL(`${suite.server.baseUrl}/#message`);
    await expect(page.getByTestId('flash').textContent()).resolves.toContain('Saved: Last.fm is not answering just now, so 1 scrobble waits here and will be sent when it answers.');
    await expect(page.getByTestId('outbox-waiting').textContent()).resolves.toContain('1 waiting to be sent to Last.fm.');
    await expect(page.getByTestId('outbox-items').textContent()).resolves.toMatch(/Glósóli[\s\S]*waiting/);
    expect(sandboxState.library.of('sandbox-ada').scrobbles).toHaveLength(0);

    await page.goto(`${suite.server.baseUrl}/sandbox/`);
    await page.getByRole('button', { name: 'Bring Last.fm back' }).click();
    await expect(page.getByTestId('sandbox-status').textContent()).resolves.toBe('up');

    // The delivery loop sends it on its own; the person reloads until the page says so.
    await page.goto(`${suite.server.baseUrl}/`);
    const items = page.getByTestId('outbox-items');
    for (let i = 0; i < 100 && !((await items.textContent()) ?? '').includes('sent'); i += 1) {
      await page.waitForTimeout(100);
      await page.reload();
    }
    await expect(items.textContent()).resolves.toMatch(/Glósóli[\s\S]*sent/);
    await expect(page.getByTestId('outbox-waiting').textContent()).resolves.toContain('Nothing is waiting to be sent.');
    expect(sandboxState.library.of('sandbox-ada').scrobbles.filter((s) => s.track === 'Glósóli')).toHaveLength(1);
    await context.close();
  });
});
