import request from 'supertest';
import { buildApp, fakeConfig } from '../helpers/app';
import { instantClock, signedInAgent, teachAccountMethods, type FakeLibrary } from '../helpers/account';
import { FAKE_SECRET, FakeLastfm, expectedSignature, type RecordedRequest } from '../helpers/fake-lastfm';

let fake: FakeLastfm;
let app: ReturnType<typeof buildApp>['app'];
let libraries: Map<string, FakeLibrary>;

beforeEach(async () => {
  fake = await new FakeLastfm().start();
  libraries = teachAccountMethods(fake);
  ({ app } = buildApp(fakeConfig(fake), { clock: instantClock() }));
});

afterEach(async () => {
  await fake.stop();
});

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** A write call as Last.fm requires it: POST, every parameter in the body, none in the query, signed, with the session key. */
function expectSignedPost(call: RecordedRequest | undefined, sessionKey: string): Record<string, string> {
  expect(call).toBeDefined();
  if (call === undefined) return {};
  expect(call.httpMethod).toBe('POST');
  expect(call.query).toEqual({});
  expect(call.headers['content-type']).toBe('application/x-www-form-urlencoded; charset=UTF-8');
  for (const values of Object.values(call.body)) expect(values).toHaveLength(1);
  const body = Object.fromEntries(Object.entries(call.body).map(([k, v]) => [k, v[0] ?? '']));
  expect(body.sk).toBe(sessionKey);
  expect(body.format).toBe('json');
  expect(body.api_sig).toBe(expectedSignature(body, FAKE_SECRET));
  expect(call.signatureValid).toBe(true);
  return body;
}

describe('POST /track/love and /track/unlove', () => {
  it('loves with a signed POST, redirects home with a one-time message, and the page shows the track loved', async () => {
    const { agent, csrf, sessionKey } = await signedInAgent(app, fake);
    const res = await agent.post('/track/love').type('form').send({ _csrf: csrf, artist: 'AC/DC', track: 'T.N.T.' }).expect(303);
    expect(res.headers.location).toBe('/#message');
    const body = expectSignedPost(fake.calls('track.love')[0], sessionKey);
    expect(body).toMatchObject({ method: 'track.love', artist: 'AC/DC', track: 'T.N.T.' });
    expect(libraries.get('rj')?.loves.has('AC/DC\u0000T.N.T.')).toBe(true);

    const home = await agent.get('/').expect(200);
    expect(home.text).toContain('Loved AC/DC – T.N.T.');
    expect(home.text).toMatch(/T\.N\.T\.[\s\S]*?♥ Loved[\s\S]*?Unlove/);
    expect(home.text).not.toContain(sessionKey);
    const again = await agent.get('/').expect(200);
    expect(again.text).not.toContain('Loved AC/DC – T.N.T.');
  });

  it('unloves, answering JSON to a JSON client', async () => {
    const { agent, csrf, sessionKey } = await signedInAgent(app, fake);
    await agent.post('/track/love').type('form').send({ _csrf: csrf, artist: 'AC/DC', track: 'T.N.T.' }).expect(303);
    const res = await agent.post('/track/unlove').set('Accept', 'application/json').type('form').send({ _csrf: csrf, artist: 'AC/DC', track: 'T.N.T.' }).expect(200);
    expect(res.body).toMatchObject({ ok: true, loved: false, artist: 'AC/DC', track: 'T.N.T.' });
    expectSignedPost(fake.calls('track.unlove')[0], sessionKey);
    expect(libraries.get('rj')?.loves.size).toBe(0);
  });

  it('refuses a missing track with a 400 naming the field, sends nothing, and keeps what was typed', async () => {
    const { agent, csrf } = await signedInAgent(app, fake);
    const res = await agent.post('/track/love').type('form').send({ _csrf: csrf, artist: 'Björk' }).expect(400);
    expect(res.text).toContain('Track is required.');
    expect(res.text).toContain('value="Björk"');
    expect(fake.calls('track.love')).toHaveLength(0);
  });

  it('refuses an oversized artist', async () => {
    const { agent, csrf } = await signedInAgent(app, fake);
    const res = await agent.post('/track/love').set('Accept', 'application/json').type('form').send({ _csrf: csrf, artist: 'x'.repeat(300), track: 'y' }).expect(400);
    expect((res.body as { error: { message: string } }).error.message).toBe('Artist is too long (at most 256 characters).');
    expect(fake.calls('track.love')).toHaveLength(0);
  });
});

describe('signed-out requests', () => {
  it.each(['/track/love', '/track/unlove', '/track/now-playing', '/track/scrobble', '/track/scrobble-batch', '/tags/add', '/tags/remove'])('POST %s answers 401 with a sign-in link', async (path) => {
    const res = await request(app).post(path).type('form').send({ artist: 'a', track: 'b' }).expect(401);
    expect(res.text).toContain('Sign in first');
    expect(res.text).toContain('href="/auth/login"');
    const json = await request(app).post(path).set('Accept', 'application/json').send({ artist: 'a' }).expect(401);
    expect(json.body).toMatchObject({ error: { status: 401, action: { href: '/auth/login' } } });
    expect(fake.requests).toHaveLength(0);
  });

  it('still needs a CSRF token once signed in', async () => {
    const { agent } = await signedInAgent(app, fake);
    await agent.post('/track/love').type('form').send({ artist: 'a', track: 'b' }).expect(403);
    expect(fake.calls('track.love')).toHaveLength(0);
  });
});

describe('POST /track/now-playing', () => {
  it('sends artist, track, album and duration once, and reports it', async () => {
    const { agent, csrf, sessionKey } = await signedInAgent(app, fake);
    await agent.post('/track/now-playing').type('form').send({ _csrf: csrf, artist: 'Simon & Garfunkel', track: 'The Boxer', album: 'Bridge over Troubled Water', duration: '308' }).expect(303);
    const body = expectSignedPost(fake.calls('track.updateNowPlaying')[0], sessionKey);
    expect(body).toMatchObject({ artist: 'Simon & Garfunkel', track: 'The Boxer', album: 'Bridge over Troubled Water', duration: '308' });
    expect((await agent.get('/')).text).toContain('Now playing: Simon &amp; Garfunkel – The Boxer.');
  });

  it('refuses a duration that is not whole seconds', async () => {
    const { agent, csrf } = await signedInAgent(app, fake);
    const res = await agent.post('/track/now-playing').type('form').send({ _csrf: csrf, artist: 'a', track: 'b', duration: '3.5' }).expect(400);
    expect(res.text).toContain('Length in seconds must be a whole number of seconds');
    expect(fake.calls('track.updateNowPlaying')).toHaveLength(0);
  });

  it('shows a now-playing that Last.fm ignored as ignored, with the reason', async () => {
    const { agent, csrf } = await signedInAgent(app, fake);
    fake.onMethod('track.updateNowPlaying', () => [200, { nowplaying: { ignoredMessage: { code: '1', '#text': 'Artist was ignored' } } }]);
    const res = await agent.post('/track/now-playing').set('Accept', 'application/json').type('form').send({ _csrf: csrf, artist: 'Unknown', track: 'b' }).expect(200);
    expect(res.body).toMatchObject({ ok: false, ignored: true, ignoredReason: 'Last.fm ignored the artist name' });
  });
});

describe('POST /track/scrobble', () => {
  it('scrobbles now by default, as indexed parameters with a UTC-seconds timestamp', async () => {
    const { agent, csrf, sessionKey } = await signedInAgent(app, fake);
    const before = nowSeconds();
    await agent.post('/track/scrobble').type('form').send({ _csrf: csrf, artist: '東京事変', track: '群青日和', album: '教育' }).expect(303);
    const body = expectSignedPost(fake.calls('track.scrobble')[0], sessionKey);
    expect(body).toMatchObject({ 'artist[0]': '東京事変', 'track[0]': '群青日和', 'album[0]': '教育' });
    expect(Number(body['timestamp[0]'])).toBeGreaterThanOrEqual(before);
    expect(Number(body['timestamp[0]'])).toBeLessThanOrEqual(nowSeconds());
    expect((await agent.get('/')).text).toContain('Scrobbled 1 track.');
  });

  it('takes an explicit timestamp and a UTC date-time from the form', async () => {
    const { agent, csrf } = await signedInAgent(app, fake);
    const twoDaysAgo = nowSeconds() - 2 * 86_400;
    await agent.post('/track/scrobble').type('form').send({ _csrf: csrf, artist: 'a', track: 'b', timestamp: String(twoDaysAgo) }).expect(303);
    expect(fake.calls('track.scrobble')[0]?.params['timestamp[0]']).toBe(String(twoDaysAgo));
    const iso = new Date((twoDaysAgo - 60) * 1000).toISOString().slice(0, 16);
    await agent.post('/track/scrobble').type('form').send({ _csrf: csrf, artist: 'a', track: 'b', playedAt: iso }).expect(303);
    expect(fake.calls('track.scrobble')[1]?.params['timestamp[0]']).toBe(String(Date.parse(`${iso}Z`) / 1000));
  });

  it.each([
    ['milliseconds', () => String(Date.now()), 'looks like milliseconds'],
    ['older than 14 days', () => String(nowSeconds() - 15 * 86_400), 'is more than 14 days ago'],
    ['in the future', () => String(nowSeconds() + 86_400), 'is in the future; give a time up to now'],
    ['not a number', () => '12abc', 'whole number of UTC seconds'],
  ])('refuses a timestamp %s with a 400 naming it, and keeps the form filled in', async (_name, timestamp, problem) => {
    const { agent, csrf } = await signedInAgent(app, fake);
    const res = await agent.post('/track/scrobble').type('form').send({ _csrf: csrf, artist: 'Sigur Rós', track: 'Hoppípolla', timestamp: timestamp() }).expect(400);
    // The home page again, the message beside the scrobble form in its words, what was typed kept.
    const scrobbleForm = res.text.slice(res.text.indexOf('id="scrobble-heading"'), res.text.indexOf('id="batch-heading"'));
    expect(scrobbleForm).toMatch(/data-testid="form-error"[^>]*>The time played /);
    expect(scrobbleForm).toContain(problem);
    expect(scrobbleForm).toContain('value="Sigur Rós"');
    expect(scrobbleForm).toContain('value="Hoppípolla"');
    expect(res.text).not.toContain('timestamp&#34;');
    expect(res.text).not.toContain('Request id');
    expect(fake.calls('track.scrobble')).toHaveLength(0);
  });

  it('shows an ignored scrobble as ignored with the reason in words', async () => {
    const { agent, csrf } = await signedInAgent(app, fake);
    fake.onMethod('track.scrobble', (params) => [
      200,
      { scrobbles: { scrobble: { artist: { '#text': params['artist[0]'] ?? '' }, track: { '#text': params['track[0]'] ?? '' }, timestamp: params['timestamp[0]'] ?? '', ignoredMessage: { code: '3' } }, '@attr': { accepted: '0', ignored: '1' } } },
    ]);
    await agent.post('/track/scrobble').type('form').send({ _csrf: csrf, artist: 'a', track: 'b' }).expect(303);
    const home = await agent.get('/').expect(200);
    expect(home.text).toContain('Scrobbled 0 of 1; Last.fm ignored 1.');
    expect(home.text).toContain('Ignored: a – b: the time played is too old');
    expect(home.text).toContain('flash-warning');
  });
});

describe('POST /track/scrobble-batch', () => {
  const names = [
    ['Björk', 'Jóga'],
    ['Sigur Rós', 'Hoppípolla'],
    ['AC/DC', 'T.N.T.'],
    ['東京事変', '群青日和'],
    ['Simon & Garfunkel', 'Mrs. Robinson'],
    ['a+b = c', '100% & more?'],
  ];

  it('sends names with non-ASCII, +, & and / exactly, correctly signed, oldest first', async () => {
    const { agent, csrf, sessionKey } = await signedInAgent(app, fake);
    const lines = names.map(([artist, track]) => `${artist ?? ''} - ${track ?? ''}`).join('\n');
    const res = await agent.post('/track/scrobble-batch').set('Accept', 'application/json').type('form').send({ _csrf: csrf, lines }).expect(200);
    expect(res.body).toMatchObject({ ok: true, accepted: 6, ignored: 0 });
    const body = expectSignedPost(fake.calls('track.scrobble')[0], sessionKey);
    names.forEach(([artist, track], i) => {
      expect(body[`artist[${i}]`]).toBe(artist);
      expect(body[`track[${i}]`]).toBe(track);
    });
    const times = names.map((_, i) => Number(body[`timestamp[${i}]`]));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(new Set(times).size).toBe(names.length);
    expect(Object.keys(body).some((key) => key.includes('[]'))).toBe(false);
  });

  it('reads "| album | ISO time" and sorts by time', async () => {
    const { agent, csrf } = await signedInAgent(app, fake);
    const late = new Date((nowSeconds() - 3600) * 1000).toISOString();
    const early = new Date((nowSeconds() - 7200) * 1000).toISOString();
    await agent.post('/track/scrobble-batch').type('form').send({ _csrf: csrf, lines: `Björk - Jóga | Homogenic | ${late}\r\n\r\nAC/DC - T.N.T. | | ${early}` }).expect(303);
    const params = fake.calls('track.scrobble')[0]?.params ?? {};
    expect(params).toMatchObject({ 'artist[0]': 'AC/DC', 'artist[1]': 'Björk', 'album[1]': 'Homogenic', 'timestamp[0]': String(Date.parse(early) / 1000) });
    expect(params['album[0]']).toBeUndefined();
  });

  it('refuses more than 1,000 lines in one send', async () => {
    const { agent, csrf } = await signedInAgent(app, fake);
    const lines = Array.from({ length: 1001 }, (_, i) => `Artist ${i} - Track ${i}`).join('\n');
    const res = await agent.post('/track/scrobble-batch').type('form').send({ _csrf: csrf, lines }).expect(400);
    expect(res.text).toContain('The list of tracks has 1001 lines; at most 1000');
    expect(fake.calls('track.scrobble')).toHaveLength(0);
    // What was typed comes back (its first 10,000 characters: the session keeps no more).
    expect(res.text).toContain('Artist 100 - Track 100');
  });

  it.each([
    ['no dash', 'Just a name', 'Line 1 of the list must look like'],
    ['a bad time', 'a - b | album | yesterday', 'Line 1 of the list has a time that is not an ISO'],
    ['a time too old', `a - b\nc - d | | ${new Date(Date.now() - 20 * 86_400_000).toISOString()}`, 'Line 2 of the list has a time more than 14 days ago'],
    ['nothing', '  \n ', 'is required'],
  ])('refuses a batch with %s', async (_name, lines, problem) => {
    const { agent, csrf } = await signedInAgent(app, fake);
    const res = await agent.post('/track/scrobble-batch').type('form').send({ _csrf: csrf, lines }).expect(400);
    expect(res.text).toContain(problem);
    expect(fake.calls('track.scrobble')).toHaveLength(0);
  });

  it('reports accepted and ignored counts and each ignored line with its reason', async () => {
    const { agent, csrf } = await signedInAgent(app, fake);
    fake.onMethod('track.scrobble', () => [
      200,
      {
        scrobbles: {
          scrobble: [
            { artist: { '#text': 'a' }, track: { '#text': 'one' }, ignoredMessage: { code: '0', '#text': '' } },
            { artist: { '#text': 'b' }, track: { '#text': 'two' }, ignoredMessage: { code: '5', '#text': 'Daily scrobble limit exceeded' } },
            { artist: { '#text': 'c' }, track: { '#text': 'three' }, ignoredMessage: { code: 2 } },
          ],
          '@attr': { accepted: 1, ignored: '2' },
        },
      },
    ]);
    const res = await agent.post('/track/scrobble-batch').set('Accept', 'application/json').type('form').send({ _csrf: csrf, lines: 'a - one\nb - two\nc - three' }).expect(200);
    expect(res.body).toMatchObject({ ok: false, accepted: 1, ignored: 2, details: ['Ignored: b – two: the daily scrobble limit was reached.', 'Ignored: c – three: Last.fm ignored the track name.'] });
  });
});

describe('the signed-in home', () => {
  it('shows profile and recent tracks, with now playing marked, and reuses them for a while', async () => {
    const { agent } = await signedInAgent(app, fake);
    const home = await agent.get('/').expect(200);
    expect(home.text).toContain('Richard Jones');
    expect(home.text).toContain('1,234');
    expect(home.text).toContain('United Kingdom');
    expect(home.text).toContain('Member since');
    expect(home.text).toContain('20 November 2002');
    expect(home.text).toContain('src="https://lastfm.freetls.fastly.net/i/u/300x300/avatar.png"');
    expect(home.text).toContain('href="https://www.last.fm/user/rj"');
    expect(home.text).toMatch(/Jóga[\s\S]*?Now playing/);
    expect(home.text).toContain('2 hours ago');
    expect(home.text).toContain('Scrobble again');
    await agent.get('/').expect(200);
    expect(fake.calls('user.getInfo')).toHaveLength(1);
    expect(fake.calls('user.getRecentTracks')).toHaveLength(1);
    expect(fake.calls('user.getRecentTracks')[0]?.params).toMatchObject({ user: 'rj', extended: '1' });
  });

  it('asks again after a write, so the page shows the change', async () => {
    const { agent, csrf } = await signedInAgent(app, fake);
    const calls = fake.calls('user.getRecentTracks').length;
    await agent.post('/track/love').type('form').send({ _csrf: csrf, artist: 'Björk', track: 'Jóga' }).expect(303);
    const home = await agent.get('/').expect(200);
    expect(fake.calls('user.getRecentTracks')).toHaveLength(calls + 1);
    expect(home.text).toMatch(/Jóga[\s\S]*?♥ Loved/);
  });

  it('allows the image hosts of real Last.fm answers in the Content-Security-Policy, and nothing broader', async () => {
    const res = await request(app).get('/').expect(200);
    const imgSrc = /img-src ([^;]+)/.exec(String(res.headers['content-security-policy']))?.[1];
    expect(imgSrc?.split(' ').sort()).toEqual(["'self'", 'data:', 'https://lastfm-img.freetls.fastly.net', 'https://lastfm-img2.akamaized.net', 'https://lastfm.freetls.fastly.net']);
  });
});
