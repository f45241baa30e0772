import { sandboxBrowserSuite, signInOnSandbox } from '../helpers/browser';

jest.setTimeout(90_000);

const suite = sandboxBrowserSuite({ LASTFM_TIMEOUT_MS: '500' });
const { sandboxState } = suite;

describe('when Last.fm\'s answer to "now playing" never finishes, in a real browser', () => {
  it('says it cannot tell whether it went through, and the person stays signed in', async () => {
    const context = await suite.browser.newContext();
    const page = await context.newPage();
    await signInOnSandbox(page, suite.server.baseUrl);

    // Now playing is sent once and never queued (a scrobble would wait in the outbox instead).
    const nowPlaying = page.locator('form', { has: page.getByRole('heading', { name: 'Now playing' }) });
    await nowPlaying.getByLabel('Artist', { exact: true }).fill('Sigur Rós');
    await nowPlaying.getByLabel('Track').fill('Hoppípolla');
    sandboxState.faults.plan({ kind: 'never-ends' });
    await nowPlaying.getByRole('button', { name: 'Update now playing' }).click();

    await expect(page.locator('h1').textContent()).resolves.toBe('Last.fm did not answer in full');
    await expect(page.locator('main').textContent()).resolves.toContain('cannot tell whether any change was made');
    // The stand-in carried it out before its answer stalled; the app did not send it twice.
    expect(sandboxState.library.of('sandbox-ada').nowPlaying?.track).toBe('Hoppípolla');
    expect(sandboxState.calls.of('track.updateNowPlaying')).toBe(1);

    await page.getByRole('link', { name: 'Back to the start page' }).click();
    await expect(page.getByTestId('user-name').textContent()).resolves.toBe('sandbox-ada');
    await expect(page.locator('main').textContent()).resolves.toContain('Hoppípolla');
    await context.close();
  });
});
