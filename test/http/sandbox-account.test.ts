import request from 'supertest';
import { createSigner, LastfmClient, LastfmTransport } from 'lastfm-sign-in';
import { SANDBOX_API_KEY, SANDBOX_SHARED_SECRET, SandboxState } from 'lastfm-sign-in/testing';
import { loadConfig } from '../../src/config';
import { LastfmError, LastfmUnavailableError } from '../../src/errors';
import { buildApp, startSandboxServer } from '../helpers/app';
import { instantClock } from '../helpers/account';
import { expectedSignature } from '../helpers/fake-lastfm';

// Signed by the test's own MD5 code, as any other Last.fm client would sign.
function signed(params: Record<string, string>): Record<string, string> {
  const all = { api_key: SANDBOX_API_KEY, ...params };
  return { ...all, api_sig: expectedSignature(all, SANDBOX_SHARED_SECRET), format: 'json' };
}

let clock: number;
let state: SandboxState;
let app: ReturnType<typeof buildApp>['app'];
let sk: string;
const nowSeconds = () => Math.floor(clock / 1000);

beforeEach(() => {
  clock = Date.UTC(2026, 10, 23, 12);
  state = new SandboxState(() => clock);
  ({ app } = buildApp(loadConfig({ NODE_ENV: 'test', PUBLIC_URL: 'http://127.0.0.1:3999/' }), { sandboxState: state }));
  sk = state.issueSessionKey('sandbox-ada');
});

const post = (params: Record<string, string>) => request(app).post('/sandbox/2.0/').type('form').send(signed(params));
const get = (params: Record<string, string>) => request(app).get('/sandbox/2.0/').query(signed(params));
const recent = async () => (await get({ method: 'user.getRecentTracks', user: 'sandbox-ada', extended: '1' }).expect(200)).body as { recenttracks: { track: unknown; '@attr': Record<string, string> } };

describe('sandbox write methods', () => {
  it.each(['track.love', 'track.unlove', 'track.updateNowPlaying', 'track.scrobble', 'artist.addTags', 'album.removeTag'])('%s answers 9 for an unknown session key', async (method) => {
    const res = await post({ method, sk: 'not-a-key', artist: 'a', track: 'b', album: 'c', tags: 'x', tag: 'x', timestamp: String(nowSeconds()) }).expect(403);
    expect(res.body).toEqual({ error: 9, message: 'Invalid session key - Please re-authenticate' });
  });

  it('refuses a wrong signature (13) and a GET (4)', async () => {
    const bad = { ...signed({ method: 'track.love', sk, artist: 'a', track: 'b' }), api_sig: '0'.repeat(32) };
    expect((await request(app).post('/sandbox/2.0/').type('form').send(bad).expect(403)).body).toMatchObject({ error: 13 });
    expect((await get({ method: 'track.love', sk, artist: 'a', track: 'b' }).expect(403)).body).toMatchObject({ error: 4 });
  });

  it('remembers loves per user and shows them in extended recent tracks', async () => {
    await post({ method: 'track.scrobble', sk, artist: 'Björk', track: 'Jóga', timestamp: String(nowSeconds() - 60) }).expect(200);
    expect((await post({ method: 'track.love', sk, artist: 'björk', track: 'JÓGA' }).expect(200)).body).toEqual({});
    expect((await recent()).recenttracks.track).toMatchObject({ name: 'Jóga', loved: '1', artist: { name: 'Björk' } });
    await post({ method: 'track.unlove', sk, artist: 'Björk', track: 'Jóga' }).expect(200);
    expect((await recent()).recenttracks.track).toMatchObject({ loved: '0' });
  });

  it('answers one scrobble as an object and several as an array, and ignores ones older than 14 days with code 3', async () => {
    const one = await post({ method: 'track.scrobble', sk, artist: 'AC/DC', track: 'T.N.T.', timestamp: String(nowSeconds() - 600) }).expect(200);
    expect(one.body).toEqual({
      scrobbles: {
        scrobble: { artist: { corrected: '0', '#text': 'AC/DC' }, track: { corrected: '0', '#text': 'T.N.T.' }, album: { corrected: '0', '#text': '' }, albumArtist: { corrected: '0', '#text': '' }, timestamp: String(nowSeconds() - 600), ignoredMessage: { code: '0', '#text': '' } },
        '@attr': { accepted: 1, ignored: 0 },
      },
    });
    const many = await post({
      method: 'track.scrobble',
      sk,
      'artist[0]': '東京事変',
      'track[0]': '群青日和',
      'timestamp[0]': String(nowSeconds() - 15 * 86_400),
      'artist[1]': 'Simon & Garfunkel',
      'track[1]': 'The Boxer',
      'album[1]': 'Bridge over Troubled Water',
      'timestamp[1]': String(nowSeconds() - 300),
    }).expect(200);
    const body = many.body as { scrobbles: { scrobble: { ignoredMessage: { code: string } }[]; '@attr': unknown } };
    expect(body.scrobbles['@attr']).toEqual({ accepted: 1, ignored: 1 });
    expect(body.scrobbles.scrobble.map((s) => s.ignoredMessage.code)).toEqual(['3', '0']);
    const tracks = (await recent()).recenttracks;
    expect(tracks['@attr'].total).toBe('2');
    expect(Array.isArray(tracks.track)).toBe(true);
    expect(tracks.track).toMatchObject([{ name: 'The Boxer', album: { '#text': 'Bridge over Troubled Water' } }, { name: 'T.N.T.' }]);
  });

  it('ignores a scrobble from the future with code 4 and refuses more than 50 in a call', async () => {
    const future = await post({ method: 'track.scrobble', sk, artist: 'a', track: 'b', timestamp: String(nowSeconds() + 86_400) }).expect(200);
    expect(future.body).toMatchObject({ scrobbles: { scrobble: { ignoredMessage: { code: '4' } }, '@attr': { accepted: 0, ignored: 1 } } });
    const params: Record<string, string> = { method: 'track.scrobble', sk };
    for (let i = 0; i < 51; i += 1) Object.assign(params, { [`artist[${i}]`]: 'a', [`track[${i}]`]: 'b', [`timestamp[${i}]`]: String(nowSeconds()) });
    expect((await post(params).expect(200)).body).toMatchObject({ error: 6 });
  });

  it('puts now playing first in recent tracks until it runs out', async () => {
    await post({ method: 'track.scrobble', sk, artist: 'a', track: 'older', timestamp: String(nowSeconds() - 600) }).expect(200);
    const res = await post({ method: 'track.updateNowPlaying', sk, artist: 'Sigur Rós', track: 'Hoppípolla', duration: '60' }).expect(200);
    expect(res.body).toMatchObject({ nowplaying: { artist: { '#text': 'Sigur Rós' }, ignoredMessage: { code: '0' } } });
    expect((await recent()).recenttracks.track).toMatchObject([{ name: 'Hoppípolla', '@attr': { nowplaying: 'true' } }, { name: 'older', date: { uts: String(nowSeconds() - 600) } }]);
    clock += 61_000;
    expect((await recent()).recenttracks.track).toMatchObject({ name: 'older' });
  });

  it('keeps tags per item, at most 10 a call, and lists them in user.getTopTags', async () => {
    await post({ method: 'artist.addTags', sk, artist: 'Björk', tags: 'Icelandic,art pop' }).expect(200);
    await post({ method: 'track.addTags', sk, artist: 'Sigur Rós', track: 'Hoppípolla', tags: 'icelandic' }).expect(200);
    expect((await post({ method: 'album.addTags', sk, artist: 'Björk', tags: 'x' }).expect(200)).body).toMatchObject({ error: 6 });
    expect((await post({ method: 'artist.addTags', sk, artist: 'Björk', tags: 'a,b,c,d,e,f,g,h,i,j,k' }).expect(200)).body).toMatchObject({ error: 6 });
    const top = await get({ method: 'user.getTopTags', user: 'sandbox-ada' }).expect(200);
    expect(top.body).toEqual({ toptags: { tag: [{ name: 'icelandic', count: '2', url: 'https://www.last.fm/tag/icelandic' }, { name: 'art pop', count: '1', url: 'https://www.last.fm/tag/art+pop' }], '@attr': { user: 'sandbox-ada' } } });
    await post({ method: 'artist.removeTag', sk, artist: 'Björk', tag: 'art pop' }).expect(200);
    expect((await get({ method: 'user.getTopTags', user: 'sandbox-ada' }).expect(200)).body).toMatchObject({ toptags: { tag: { name: 'icelandic', count: '2' } } });
  });
});

describe('sandbox reads', () => {
  it('user.getInfo answers with string counts, sized images on the sandbox image path, and registered.unixtime', async () => {
    await post({ method: 'track.scrobble', sk, artist: 'a', track: 'b', timestamp: String(nowSeconds()) }).expect(200);
    const res = await get({ method: 'user.getInfo', user: 'SANDBOX-ADA' }).expect(200);
    expect(res.body).toMatchObject({
      user: { name: 'sandbox-ada', realname: 'Ada Sandbox', playcount: '1', image: [{ size: 'small', '#text': 'http://127.0.0.1:3999/sandbox/assets/images/avatar-sandbox-ada.svg' }, {}, {}, {}], registered: { unixtime: expect.stringMatching(/^\d+$/) as unknown } },
    });
    await request(app).get('/sandbox/assets/images/avatar-sandbox-ada.svg').expect(200).expect('Content-Type', /svg/);
  });

  it('user.getRecentTracks with nothing scrobbled answers an empty list; an unknown user is error 6', async () => {
    expect((await recent()).recenttracks.track).toEqual([]);
    expect((await get({ method: 'user.getInfo', user: 'nobody' }).expect(200)).body).toEqual({ error: 6, message: 'User not found', links: [] });
  });
});

describe('sandbox fault switches', () => {
  it('answers a planned error code for the next N calls, then behaves', async () => {
    state.faults.plan({ kind: 'error', code: 11 }, 2);
    expect((await get({ method: 'user.getInfo', user: 'sandbox-ada' }).expect(503)).body).toMatchObject({ error: 11 });
    expect((await post({ method: 'track.love', sk, artist: 'a', track: 'b' }).expect(503)).body).toMatchObject({ error: 11 });
    await get({ method: 'user.getInfo', user: 'sandbox-ada' }).expect(200);
    expect(state.faults.pending).toBe(0);
  });

  it('answers an HTML 500 when told to', async () => {
    state.faults.plan({ kind: 'html-500' });
    const res = await get({ method: 'user.getInfo', user: 'sandbox-ada' }).expect(500);
    expect(res.headers['content-type']).toMatch(/text\/html/);
  });

  describe('over a real connection', () => {
    let server: Awaited<ReturnType<typeof startSandboxServer>>;
    let client: LastfmClient;
    const liveState = new SandboxState();

    beforeAll(async () => {
      server = await startSandboxServer({}, { sandboxState: liveState });
    });
    afterAll(async () => {
      await server.close();
    });
    beforeEach(() => {
      liveState.faults.clear();
      client = new LastfmClient({
        transport: new LastfmTransport({ apiKey: SANDBOX_API_KEY, apiUrl: server.config.lastfm.apiUrl, signer: createSigner(SANDBOX_SHARED_SECRET), userAgent: 'test/1.0', timeoutMs: 300 }),
        authUrl: server.config.lastfm.authUrl,
        clock: instantClock(),
      });
    });

    it('a dropped connection is a network failure, retried for a read', async () => {
      liveState.faults.plan({ kind: 'drop' });
      await expect(client.getProfile('sandbox-bo')).resolves.toMatchObject({ name: 'sandbox-bo' });
      liveState.faults.plan({ kind: 'drop' }, 3);
      await expect(client.getProfile('sandbox-bo')).rejects.toMatchObject({ name: 'LastfmUnavailableError', reason: 'network' });
    });

    it('a slow reply times out; a scrobble that timed out is not sent again', async () => {
      const liveSk = liveState.issueSessionKey('sandbox-bo');
      liveState.faults.plan({ kind: 'slow', delayMs: 1000 });
      const error: unknown = await client.scrobble(liveSk, [{ artist: 'a', track: 'b', timestamp: Math.floor(Date.now() / 1000) }]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LastfmUnavailableError);
      expect((error as LastfmUnavailableError).reason).toBe('timeout');
      // The slow reply still recorded the scrobble: exactly once.
      await new Promise((resolve) => setTimeout(resolve, 900));
      expect(liveState.library.of('sandbox-bo').scrobbles).toHaveLength(1);
    });

    it('a planned 16 is retried for a scrobble and then succeeds', async () => {
      const liveSk = liveState.issueSessionKey('sandbox-bo');
      liveState.faults.plan({ kind: 'error', code: 16 });
      const result = await client.scrobble(liveSk, [{ artist: 'c', track: 'd', timestamp: Math.floor(Date.now() / 1000) }]);
      expect(result.accepted).toBe(1);
      liveState.faults.plan({ kind: 'error', code: 9 });
      await expect(client.love(liveSk, 'c', 'd')).rejects.toBeInstanceOf(LastfmError);
    });
  });
});
