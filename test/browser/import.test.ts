import { sandboxBrowserSuite, signInOnSandbox } from '../helpers/browser';

jest.setTimeout(90_000);

const suite = sandboxBrowserSuite();
const { sandboxState } = suite;

describe('importing listening history, in a real browser, against the sandbox', () => {
  it('pastes a history, sees what would be sent, confirms, and watches the progress move without a reload', async () => {
    const context = await suite.browser.newContext({ viewport: { width: 1000, height: 900 } });
    const page = await context.newPage();
    await signInOnSandbox(page, suite.server.baseUrl);

    const form = page.locator('#import-form');
    // The browser's own time zone fills the field (headless Chromium's is UTC unless told).
    await expect(form.getByLabel(/Time zone/).inputValue()).resolves.not.toBe('');
    const t = Math.floor(Date.now() / 1000);
    const listens = [1, 2, 3].map((i) => JSON.stringify({ listened_at: t - i * 600, track_metadata: { artist_name: 'Air', track_name: `Track ${i}` } })).join('\n');
    await form.getByLabel('Or paste it').fill(listens);
    await form.getByRole('button', { name: 'Check what would be sent' }).click();
    await page.waitForURL(/\/track\/import\/[0-9a-f-]+#summary$/);
    await expect(page.getByTestId('import-read').textContent()).resolves.toBe('3');
    // Last.fm goes down as the import is sent, so it waits in the outbox.
    sandboxState.outage = true;
    await page.getByRole('button', { name: 'Send 3 plays to Last.fm' }).click();
    await page.waitForURL(`${suite.server.baseUrl}/#message`);
    await expect(page.getByTestId('flash').textContent()).resolves.toContain('Queued 3 plays from your import');
    const progress = page.getByTestId('outbox-progress');
    await expect(progress.textContent()).resolves.toContain('0 of 3 sent');

    let loads = 0;
    page.on('load', () => (loads += 1));
    sandboxState.outage = false;
    await page.waitForFunction(() => document.querySelector('[data-testid="outbox-progress"]')?.textContent.includes('3 of 3 sent'), undefined, { timeout: 30_000 });
    expect(loads).toBe(0);
    expect(sandboxState.library.of('sandbox-ada').scrobbles.map((s) => s.timestamp).sort()).toEqual([t - 1800, t - 1200, t - 600]);
    await context.close();
  });
});
