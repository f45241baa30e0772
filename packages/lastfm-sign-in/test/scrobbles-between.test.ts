import { createLastfmClient } from '../src/index';
import { DEMO_ACCOUNTS, startSandbox, type StartedSandbox } from '../src/testing/index';

/*
 * getScrobblesBetween against the sandbox: the plays of a time range, newest played first
 * whatever order they were sent in, paged, the now-playing track left out.
 */

let sandbox: StartedSandbox;

beforeAll(async () => {
  sandbox = await startSandbox();
});

afterAll(async () => {
  await sandbox.close();
});

it('reads the scrobbles played in a range, newest first and paged, however late old plays were sent', async () => {
  const client = createLastfmClient({ apiKey: sandbox.apiKey, sharedSecret: sandbox.sharedSecret, apiUrl: sandbox.apiUrl, authUrl: sandbox.authUrl });
  const ada = DEMO_ACCOUNTS[0];
  if (ada === undefined) throw new Error('no demo account');
  const { key, name } = await client.getMobileSession(ada.name, ada.password);
  const now = Math.floor(Date.now() / 1000);
  await client.scrobble(key, [
    { artist: 'A', track: 'Newest', timestamp: now - 100 },
    { artist: 'A', track: 'Outside', timestamp: now - 5000 },
  ]);
  // An older play sent later, as an import does.
  await client.scrobble(key, [
    { artist: 'A', track: 'Middle', timestamp: now - 300 },
    { artist: 'A', track: 'Oldest', timestamp: now - 1000 },
  ]);
  await client.updateNowPlaying(key, { artist: 'A', track: 'Playing now' });

  const first = await client.getScrobblesBetween(name, { from: now - 2000, to: now, limit: 2 });
  expect(first.totalPages).toBe(2);
  expect(first.scrobbles).toEqual([
    { artist: 'A', track: 'Newest', playedAt: now - 100 },
    { artist: 'A', track: 'Middle', playedAt: now - 300 },
  ]);
  const second = await client.getScrobblesBetween(name, { from: now - 2000, to: now, limit: 2, page: 2 });
  expect(second.scrobbles.map((s) => s.track)).toEqual(['Oldest']);
  const none = await client.getScrobblesBetween(name, { from: now - 90, to: now });
  expect(none).toEqual({ scrobbles: [], totalPages: 0 });
});
