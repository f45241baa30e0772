import { sandboxBrowserSuite, signInOnSandbox } from '../helpers/browser';

jest.setTimeout(90_000);

const suite = sandboxBrowserSuite({ LASTFM_TIMEOUT_MS: '500' });
const { sandboxState } = suite;

describe('when Last.fm\'s answer to a scrobble never finishes, in a real browser', () => {
  it('says it cannot tell whether the scrobble went through, and the person stays signed in', async () => {
    const context = await suite.browser.newContext();
    const page = await context.newPage();
    await signInOnSandbox(page, suite.server.baseUrl);

    const scrobble = page.locator('form', { has: page.getByRole('heading', { name: 'Scrobble a track' }) });
    await scrobble.getByLabel('Artist', { exact: true }).fill('Sigur Rós');
    await scrobble.getByLabel('Track').fill('Hoppípolla');
    sandboxState.faults.plan({ kind: 'never-ends' });
    await scrobble.getByRole('button', { name: 'Scrobble' }).click();

    await expect(page.locator('h1').textContent()).resolves.toBe('Last.fm did not answer in full');
    await expect(page.locator('main').textContent()).resolves.toContain('cannot tell whether any change was made');
    // The stand-in carried the scrobble out before its answer stalled; the app did not send it twice.
    expect(sandboxState.library.of('sandbox-ada').scrobbles.filter((s) => s.track === 'Hoppípolla')).toHaveLength(1);

    await page.getByRole('link', { name: 'Back to the start page' }).click();
    await expect(page.getByTestId('user-name').textContent()).resolves.toBe('sandbox-ada');
    await expect(page.locator('main').textContent()).resolves.toContain('Hoppípolla');
    await context.close();
  });
});
