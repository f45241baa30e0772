import { sandboxBrowserSuite, signInOnSandbox } from '../helpers/browser';

/** "When played" is picked in the browser's own time zone; what reaches Last.fm must be that moment. */
jest.setTimeout(90_000);

const suite = sandboxBrowserSuite();

/** A datetime-local value (YYYY-MM-DDTHH:mm) for `at` as a clock in `timeZone` shows it. */
function localPickerValue(at: Date, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(at)
      .map((part) => [part.type, part.value]),
  );
  return `${parts.year ?? ''}-${parts.month ?? ''}-${parts.day ?? ''}T${parts.hour ?? ''}:${parts.minute ?? ''}`;
}

it('a New York browser that picks "30 minutes ago" scrobbles 30 minutes ago, and the form names its time zone', async () => {
  const context = await suite.browser.newContext({ timezoneId: 'America/New_York', viewport: { width: 1000, height: 900 } });
  const page = await context.newPage();
  await signInOnSandbox(page, suite.server.baseUrl);
  const form = page.locator('form', { has: page.getByRole('heading', { name: 'Scrobble a track' }) });
  await expect(form.textContent()).resolves.toContain('When played, your time (America/New_York)');

  const playedAt = new Date(Date.now() - 30 * 60_000);
  playedAt.setUTCSeconds(0, 0);
  await form.getByLabel('Artist', { exact: true }).fill('Time Zones');
  await form.getByLabel('Track').fill('Half an Hour Ago');
  await form.locator('input[name="playedAt"]').fill(localPickerValue(playedAt, 'America/New_York'));
  await form.getByRole('button', { name: 'Scrobble' }).click();
  await page.waitForURL(`${suite.server.baseUrl}/#message`);
  await expect(page.getByTestId('flash').textContent()).resolves.toContain('Scrobbled 1 track');

  const scrobble = suite.sandboxState.library.of('sandbox-ada').scrobbles.find((s) => s.track === 'Half an Hour Ago');
  expect(scrobble?.timestamp).toBe(playedAt.getTime() / 1000);
  await context.close();
});

it('says the time is UTC when scripts do not run', async () => {
  const context = await suite.browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await signInOnSandbox(page, suite.server.baseUrl);
  const form = page.locator('form', { has: page.getByRole('heading', { name: 'Scrobble a track' }) });
  await expect(form.textContent()).resolves.toContain('When played, in UTC');
  await context.close();
});
