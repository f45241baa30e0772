import ejs from 'ejs';
import { buildApp, csrfFrom, fakeConfig } from '../helpers/app';
import { instantClock, signedInAgent, teachAccountMethods, type FakeLibrary } from '../helpers/account';
import { FakeLastfm } from '../helpers/fake-lastfm';

/**
 * The signed-in home is rendered once and reused while nothing on it would change. These tests
 * hold it to "the same page a fresh render would give".
 */
let fake: FakeLastfm;
let libraries: Map<string, FakeLibrary>;
/** The app's clock, in ms; tests move it. */
let now: number;
/** When the fake says the one scrobbled track was played, in UTC seconds. */
let playedAt: number;
let homeRenders: number;

beforeEach(async () => {
  fake = await new FakeLastfm().start();
  libraries = teachAccountMethods(fake);
  now = Date.UTC(2026, 10, 23, 12);
  playedAt = now / 1000 - 30;
  fake.onMethod('user.getRecentTracks', (params) => [
    200,
    {
      recenttracks: {
        track: [{ artist: { name: 'AC/DC' }, name: 'T.N.T.', album: {}, image: [], date: { uts: String(playedAt), '#text': '' }, loved: libraries.get(params.user ?? '')?.loves.has('AC/DC\u0000T.N.T.') === true ? '1' : '0' }],
        '@attr': { user: params.user ?? '', page: '1', total: '1' },
      },
    },
  ]);
  homeRenders = 0;
  const renderFile = ejs.renderFile.bind(ejs);
  jest.spyOn(ejs, 'renderFile').mockImplementation((...args: Parameters<typeof ejs.renderFile>) => {
    if (args[0].endsWith('home.ejs')) homeRenders += 1;
    return renderFile(...args);
  });
});

afterEach(async () => {
  jest.restoreAllMocks();
  await fake.stop();
});

function app() {
  return buildApp(fakeConfig(fake), { clock: instantClock(), now: () => now }).app;
}

describe('the signed-in home page is reused only while it would come out the same', () => {
  it('serves repeat views without rendering again, byte for byte the page a render gives', async () => {
    const { agent } = await signedInAgent(app(), fake);
    const first = await agent.get('/').expect(200);
    const rendersBefore = homeRenders;
    const repeats = await Promise.all([agent.get('/'), agent.get('/'), agent.get('/')]);
    expect(homeRenders).toBe(rendersBefore);
    for (const repeat of repeats) {
      expect(repeat.status).toBe(200);
      expect(repeat.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(repeat.text).toBe(first.text);
    }
    expect(first.text).toContain('T.N.T.');
    // The page keeps its ETag, so a browser revalidating gets a 304 without the body.
    expect(repeats.map((repeat) => repeat.headers.etag)).toEqual(Array(3).fill(first.headers.etag));
    await agent.get('/').set('If-None-Match', String(first.headers.etag)).expect(304);
  });

  it('shows a write at once: the message once, then the changed page', async () => {
    const { agent, csrf } = await signedInAgent(app(), fake);
    const before = await agent.get('/').expect(200);
    expect(before.text).not.toContain('♥ Loved');
    await agent.post('/track/love').type('form').send({ _csrf: csrf, artist: 'AC/DC', track: 'T.N.T.' }).expect(303);
    const withMessage = await agent.get('/').expect(200);
    expect(withMessage.text).toContain('Loved AC/DC – T.N.T.');
    const after = await agent.get('/').expect(200);
    expect(after.text).not.toContain('Loved AC/DC – T.N.T.');
    expect(after.text).toContain('♥ Loved');
  });

  it('moves "just now" on to "1 minute ago" while the reads are still cached', async () => {
    const { agent } = await signedInAgent(app(), fake);
    expect((await agent.get('/').expect(200)).text).toContain('>just now</time>');
    const callsBefore = fake.calls('user.getRecentTracks').length;
    now += 40_000;
    const later = await agent.get('/').expect(200);
    expect(fake.calls('user.getRecentTracks')).toHaveLength(callsBefore);
    expect(later.text).toContain('>1 minute ago</time>');
  });

  it('shows a change made elsewhere once the cached reads expire', async () => {
    // Two hours ago still reads "2 hours ago" a minute later: only the new data can change the page.
    playedAt = now / 1000 - 7200;
    const { agent } = await signedInAgent(app(), fake);
    await agent.get('/').expect(200);
    libraries.get('rj')?.loves.add('AC/DC\u0000T.N.T.');
    expect((await agent.get('/').expect(200)).text).not.toContain('♥ Loved');
    now += 61_000;
    expect((await agent.get('/').expect(200)).text).toContain('♥ Loved');
  });

  it('gives each browser of the same person its own form token', async () => {
    const shared = app();
    const first = await signedInAgent(shared, fake);
    const second = await signedInAgent(shared, fake);
    const pages = [await first.agent.get('/').expect(200), await second.agent.get('/').expect(200), await first.agent.get('/').expect(200)];
    const tokens = pages.map((page) => csrfFrom(page.text));
    expect(tokens[0]).toBe(first.csrf);
    expect(tokens[1]).toBe(second.csrf);
    expect(tokens[2]).toBe(first.csrf);
    expect(first.csrf).not.toBe(second.csrf);
    await second.agent.post('/track/love').type('form').send({ _csrf: tokens[1], artist: 'AC/DC', track: 'T.N.T.' }).expect(303);
  });
});
