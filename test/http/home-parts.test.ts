import { buildApp, fakeConfig } from '../helpers/app';
import { instantClock, signedInAgent, teachAccountMethods } from '../helpers/account';
import { FakeLastfm } from '../helpers/fake-lastfm';

/** The signed-in home is three reads; each part of the page stands or falls alone. */
let fake: FakeLastfm;
let now: number;

beforeEach(async () => {
  fake = await new FakeLastfm().start();
  teachAccountMethods(fake);
  now = Date.UTC(2026, 10, 23, 12);
});

afterEach(async () => {
  await fake.stop();
});

const build = () => buildApp(fakeConfig(fake), { clock: instantClock(), now: () => now }).app;

it('shows recent tracks and tags when the profile read fails, and says which part failed', async () => {
  const { agent } = await signedInAgent(build(), fake);
  now += 61_000;
  fake.onMethod('user.getInfo', () => [200, { error: 6, message: 'User not found' }]);
  const home = await agent.get('/').expect(200);
  expect(home.text).toContain('Could not load your profile: Last.fm said: User not found');
  expect(home.text).not.toContain('data-testid="profile"');
  expect(home.text).toContain('data-testid="recent-tracks"');
  expect(home.text).toContain('T.N.T.');
  expect(home.text).not.toContain('Could not load your recent tracks');
});

it('shows the page when Last.fm sends a time no date can hold', async () => {
  fake.onMethod('user.getRecentTracks', () => [
    200,
    { recenttracks: { track: [{ artist: { name: 'Far' }, name: 'Future', album: {}, date: { uts: '99999999999999999', '#text': '' } }], '@attr': { total: '1' } } },
  ]);
  fake.onMethod('user.getInfo', (params) => [200, { user: { name: params.user ?? '', playcount: '1', registered: { unixtime: '-99999999999999999' } } }]);
  const { agent } = await signedInAgent(build(), fake);
  const home = await agent.get('/').expect(200);
  expect(home.text).toContain('Future');
  expect(home.text).not.toContain('Member since');
});
