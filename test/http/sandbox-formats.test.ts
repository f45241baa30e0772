import request from 'supertest';
import { SANDBOX_API_KEY, SANDBOX_METHODS, SANDBOX_SHARED_SECRET, SandboxState } from 'lastfm-sign-in/testing';
import { loadConfig } from '../../src/config';
import { buildApp } from '../helpers/app';
import { expectedSignature } from '../helpers/fake-lastfm';
import { expectXmlToMatchJson, lfmError, parseLfm } from '../helpers/lastfm-xml';

const NOW = Date.UTC(2026, 10, 23, 12);
const nowSeconds = NOW / 1000;

/** A stand-in whose tokens and session keys come from a counter, so two of them answer alike. */
function standIn() {
  let counter = 0;
  const state = new SandboxState(
    () => NOW,
    () => (counter += 1).toString(16).padStart(32, '0'),
  );
  const { app } = buildApp(loadConfig({ NODE_ENV: 'test', PUBLIC_URL: 'http://127.0.0.1:3999/' }), { sandboxState: state });
  return { state, app };
}

type StandIn = ReturnType<typeof standIn>;

function signed(params: Record<string, string>): Record<string, string> {
  const all = { api_key: SANDBOX_API_KEY, ...params };
  return { ...all, api_sig: expectedSignature(all, SANDBOX_SHARED_SECRET) };
}

function call({ app }: StandIn, httpMethod: 'GET' | 'POST', params: Record<string, string>) {
  return httpMethod === 'GET' ? request(app).get('/sandbox/2.0/').query(params) : request(app).post('/sandbox/2.0/').type('form').send(params);
}

/** Something for every method to show: scrobbles with and without an album, a love, tags, a track playing now. */
function withHistory({ state }: StandIn): string {
  const sk = state.issueSessionKey('sandbox-ada');
  state.library.addScrobble('sandbox-ada', { artist: 'Björk', track: 'Jóga', album: 'Homogenic', timestamp: nowSeconds - 600 });
  state.library.addScrobble('sandbox-ada', { artist: 'AC/DC & Friends', track: 'T.N.T. <live>', album: undefined, timestamp: nowSeconds - 300 });
  state.library.of('sandbox-ada').loves.add('björk\u0000jóga');
  state.library.of('sandbox-ada').nowPlaying = { artist: 'Sigur Rós', track: 'Hoppípolla', album: undefined, until: NOW + 60_000 };
  state.library.of('sandbox-ada').tags.set('artist\u0000björk', new Set(['icelandic', 'art pop']));
  state.library.of('sandbox-ada').tags.set('track\u0000sigur rós\u0000hoppípolla', new Set(['icelandic']));
  return sk;
}

interface Case {
  method: string;
  label: string;
  httpMethod: 'GET' | 'POST';
  /** Sets up the stand-in and gives the call's parameters (method and api_key are added). */
  prepare(standIn: StandIn): Record<string, string>;
}

const write = (method: string, params: Record<string, string>): Case => ({
  method,
  label: 'a write',
  httpMethod: 'POST',
  prepare: (s) => signed({ method, sk: withHistory(s), ...params }),
});

const CASES: Case[] = [
  { method: 'auth.getToken', label: 'unsigned', httpMethod: 'GET', prepare: () => ({ method: 'auth.getToken', api_key: SANDBOX_API_KEY }) },
  {
    method: 'auth.getSession',
    label: 'an approved token',
    httpMethod: 'GET',
    prepare: ({ state }) => {
      const token = state.issueToken();
      state.approveToken(token, 'sandbox-bo');
      return signed({ method: 'auth.getSession', token });
    },
  },
  { method: 'auth.getMobileSession', label: 'a password', httpMethod: 'POST', prepare: () => signed({ method: 'auth.getMobileSession', username: 'sandbox-ada', password: 'ada-listens' }) },
  { method: 'user.getInfo', label: 'a history', httpMethod: 'GET', prepare: (s) => (withHistory(s), { method: 'user.getInfo', api_key: SANDBOX_API_KEY, user: 'sandbox-ada' }) },
  { method: 'user.getRecentTracks', label: 'extended, now playing and two scrobbles', httpMethod: 'GET', prepare: (s) => (withHistory(s), { method: 'user.getRecentTracks', api_key: SANDBOX_API_KEY, user: 'sandbox-ada', extended: '1' }) },
  { method: 'user.getRecentTracks', label: 'one track on page 2', httpMethod: 'POST', prepare: (s) => (withHistory(s), { method: 'user.getRecentTracks', api_key: SANDBOX_API_KEY, user: 'sandbox-ada', limit: '1', page: '2' }) },
  { method: 'user.getRecentTracks', label: 'an empty history', httpMethod: 'GET', prepare: () => ({ method: 'user.getRecentTracks', api_key: SANDBOX_API_KEY, user: 'sandbox-bo' }) },
  { method: 'user.getTopTags', label: 'two tags', httpMethod: 'GET', prepare: (s) => (withHistory(s), { method: 'user.getTopTags', api_key: SANDBOX_API_KEY, user: 'sandbox-ada' }) },
  { method: 'user.getTopTags', label: 'no tags', httpMethod: 'GET', prepare: () => ({ method: 'user.getTopTags', api_key: SANDBOX_API_KEY, user: 'sandbox-bo' }) },
  write('track.love', { artist: 'Björk', track: 'Jóga' }),
  write('track.unlove', { artist: 'Björk', track: 'Jóga' }),
  write('track.updateNowPlaying', { artist: 'Björk', track: 'Jóga', album: 'Homogenic', duration: '300' }),
  write('track.scrobble', { artist: 'Björk', track: 'Bachelorette', timestamp: String(nowSeconds - 60) }),
  {
    method: 'track.scrobble',
    label: 'a batch with one too old',
    httpMethod: 'POST',
    prepare: (s) => signed({ method: 'track.scrobble', sk: withHistory(s), 'artist[0]': 'A', 'track[0]': 'B', 'timestamp[0]': String(nowSeconds - 20 * 86_400), 'artist[1]': 'C', 'track[1]': 'D', 'album[1]': 'E', 'timestamp[1]': String(nowSeconds - 60) }),
  },
  write('artist.addTags', { artist: 'Björk', tags: 'art pop,electronic' }),
  write('album.addTags', { artist: 'Björk', album: 'Homogenic', tags: 'strings' }),
  write('track.addTags', { artist: 'Björk', track: 'Jóga', tags: 'strings' }),
  write('artist.removeTag', { artist: 'Björk', tag: 'art pop' }),
  write('album.removeTag', { artist: 'Björk', album: 'Homogenic', tag: 'strings' }),
  write('track.removeTag', { artist: 'Björk', track: 'Jóga', tag: 'strings' }),
];

describe('sandbox answers every method in XML and in JSON, saying the same', () => {
  it('has a case for every method it serves', () => {
    expect(new Set(CASES.map((c) => c.method))).toEqual(new Set(Object.keys(SANDBOX_METHODS)));
  });

  it.each(CASES.map((c) => [c.method, c.label, c] as const))('%s (%s)', async (_method, _label, c) => {
    const forJson = standIn();
    const forXml = standIn();
    const json = await call(forJson, c.httpMethod, { ...c.prepare(forJson), format: 'json' }).expect(200);
    const xml = await call(forXml, c.httpMethod, c.prepare(forXml)).expect(200);

    expect(json.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(xml.headers['content-type']).toBe('text/xml; charset=utf-8');
    expect(json.body).not.toHaveProperty('error');
    expectXmlToMatchJson(xml.text, json.body);
  });

  it('answers XML for format=xml too, and for a read sent as a POST', async () => {
    const s = standIn();
    withHistory(s);
    const explicit = await call(s, 'GET', { method: 'user.getInfo', api_key: SANDBOX_API_KEY, user: 'sandbox-ada', format: 'xml' }).expect(200);
    expect(parseLfm(explicit.text).status).toBe('ok');
    const posted = await call(s, 'POST', { method: 'user.getInfo', api_key: SANDBOX_API_KEY, user: 'sandbox-ada' }).expect(200);
    expect(posted.headers['content-type']).toBe('text/xml; charset=utf-8');
    expect(parseLfm(posted.text).root.user).toMatchObject({ name: 'sandbox-ada', playcount: '2' });
  });

  it('keeps names that XML cannot carry as sent, well-formed', async () => {
    const s = standIn();
    const sk = s.state.issueSessionKey('sandbox-ada');
    const odd = 'quote " amp & lt < tab\tnewline\nreturn\r 東京事変';
    const res = await call(s, 'POST', signed({ method: 'track.updateNowPlaying', sk, artist: odd, track: 'control \u0001 char' })).expect(200);
    const nowplaying = parseLfm(res.text).root.nowplaying as Record<string, { '#text': string }>;
    expect(nowplaying.artist?.['#text']).toBe(odd);
    expect(nowplaying.track?.['#text']).toBe('control \uFFFD char');
  });
});

describe('sandbox answer shapes, as recorded from Last.fm', () => {
  const json = async (s: StandIn, params: Record<string, string>) => (await call(s, 'GET', { api_key: SANDBOX_API_KEY, ...params, format: 'json' }).expect(200)).body as Record<string, Record<string, unknown>>;

  it('user.getInfo has every field a client builds a user from', async () => {
    const s = standIn();
    withHistory(s);
    const { user } = await json(s, { method: 'user.getInfo', user: 'sandbox-ada' });
    expect(user).toMatchObject({
      name: 'sandbox-ada',
      realname: 'Ada Sandbox',
      playcount: '2',
      artist_count: '2',
      album_count: '1',
      track_count: '2',
      playlists: '0',
      gender: 'n',
      age: '0',
      type: 'user',
      bootstrap: '0',
      subscriber: '0',
      country: 'None',
      registered: { unixtime: '1552521600', '#text': 1552521600 },
    });
  });

  it('recent tracks carry track and artist mbid, an album without a name as {mbid, #text}, and Last.fm date text', async () => {
    const s = standIn();
    withHistory(s);
    const { recenttracks } = await json(s, { method: 'user.getRecentTracks', user: 'sandbox-ada' });
    const [playing, latest] = recenttracks?.track as Record<string, unknown>[];
    expect(playing).toMatchObject({ mbid: '', artist: { mbid: '', '#text': 'Sigur Rós' }, album: { mbid: '', '#text': '' }, '@attr': { nowplaying: 'true' } });
    expect(latest).toMatchObject({ mbid: '', album: { mbid: '', '#text': '' }, date: { uts: String(nowSeconds - 300), '#text': '23 Nov 2026, 11:55' } });
    const extended = await json(s, { method: 'user.getRecentTracks', user: 'sandbox-ada', extended: '1' });
    expect((extended.recenttracks?.track as Record<string, unknown>[])[2]).toMatchObject({ artist: { name: 'Björk', mbid: '' }, loved: '1' });
  });

  it('an empty history has totalPages "0"', async () => {
    const { recenttracks } = await json(standIn(), { method: 'user.getRecentTracks', user: 'sandbox-bo' });
    expect(recenttracks).toEqual({ track: [], '@attr': { user: 'sandbox-bo', page: '1', perPage: '50', totalPages: '0', total: '0' } });
  });

  it('top tags link to their Last.fm tag page', async () => {
    const s = standIn();
    withHistory(s);
    const { toptags } = await json(s, { method: 'user.getTopTags', user: 'sandbox-ada' });
    expect(toptags?.tag).toEqual([
      { name: 'icelandic', count: '2', url: 'https://www.last.fm/tag/icelandic' },
      { name: 'art pop', count: '1', url: 'https://www.last.fm/tag/art+pop' },
    ]);
  });
});

describe('sandbox errors in both formats', () => {
  const ERRORS: [string, number, number, 'GET' | 'POST', (s: StandIn) => Record<string, string>][] = [
    ['an unknown method', 3, 400, 'GET', () => ({ method: 'track.fly', api_key: SANDBOX_API_KEY })],
    ['a missing parameter', 6, 200, 'GET', () => ({ method: 'user.getInfo', api_key: SANDBOX_API_KEY })],
    ['an unknown user', 6, 200, 'GET', () => ({ method: 'user.getRecentTracks', api_key: SANDBOX_API_KEY, user: 'nobody' })],
    ['another API key', 10, 403, 'GET', () => ({ method: 'auth.getToken', api_key: 'someone-else' })],
    ['a wrong signature', 13, 403, 'GET', () => ({ ...signed({ method: 'auth.getToken' }), api_sig: 'f'.repeat(32) })],
    ['an unsigned auth.getSession', 13, 403, 'GET', () => ({ method: 'auth.getSession', api_key: SANDBOX_API_KEY, token: 'x' })],
    ['a GET for auth.getMobileSession', 4, 403, 'GET', () => signed({ method: 'auth.getMobileSession', username: 'sandbox-ada', password: 'ada-listens' })],
    ['a wrong password', 4, 403, 'POST', () => signed({ method: 'auth.getMobileSession', username: 'sandbox-ada', password: 'nope' })],
    ['an unknown session key', 9, 403, 'POST', () => signed({ method: 'track.love', sk: 'nope', artist: 'a', track: 'b' })],
    ['an unapproved token', 14, 403, 'GET', ({ state }) => signed({ method: 'auth.getSession', token: state.issueToken() })],
  ];

  it.each(ERRORS)('%s: error %i with HTTP %i, as <lfm status="failed"> or {"error"}', async (_label, code, status, httpMethod, params) => {
    const forJson = standIn();
    const forXml = standIn();
    const json = await call(forJson, httpMethod, { ...params(forJson), format: 'json' });
    const xml = await call(forXml, httpMethod, params(forXml));
    expect([json.status, xml.status]).toEqual([status, status]);
    expect(json.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(xml.headers['content-type']).toBe('text/xml; charset=utf-8');
    const { message } = json.body as { message: string };
    expect(json.body).toEqual({ error: code, message: expect.any(String) as unknown, ...(code === 6 ? { links: [] } : {}) });
    expect(lfmError(xml.text)).toEqual({ code, message });
  });

  it('answers a planned failure in the format the call asked for', async () => {
    const s = standIn();
    s.state.faults.plan({ kind: 'error', code: 11 }, 2);
    const xml = await call(s, 'GET', { method: 'auth.getToken', api_key: SANDBOX_API_KEY }).expect(503);
    expect(lfmError(xml.text).code).toBe(11);
    const json = await call(s, 'GET', { method: 'auth.getToken', api_key: SANDBOX_API_KEY, format: 'json' }).expect(503);
    expect((json.body as { error: number }).error).toBe(11);
  });
});
