import request from 'supertest';
import { SandboxState } from 'lastfm-sign-in/testing';
import { csrfFrom, startSandboxServer } from '../helpers/app';
import { passwordSignIn, until } from '../helpers/stand-in';

/*
 * Imports against the sandbox, which records what it accepted: exactly the plays expected go,
 * with their original times; nothing older than 14 days, nothing Last.fm already has, nothing
 * twice; and nothing at all before the person confirms.
 */

const DAY = 86_400;
let state: SandboxState;
let baseUrl: string;
let close: () => Promise<void>;

beforeEach(async () => {
  state = new SandboxState();
  ({ baseUrl, close } = await startSandboxServer({}, { sandboxState: state }));
});

afterEach(async () => {
  await close();
});

const now = (): number => Math.floor(Date.now() / 1000);

/** A ListenBrainz export (JSON lines) of these plays. */
function listens(plays: { artist: string; track: string; at: number }[]): string {
  return plays.map((p) => JSON.stringify({ listened_at: p.at, track_metadata: { artist_name: p.artist, track_name: p.track, release_name: null } })).join('\n');
}

it('summarises first, sends exactly the plays Last.fm does not have once confirmed, with their times, and nothing the second time', async () => {
  const { agent, csrf } = await passwordSignIn(baseUrl);
  const t = now();
  const plays = [
    { artist: 'Air', track: 'Sexy Boy', at: t - 3 * DAY },
    { artist: 'Air', track: 'Kelly Watch the Stars', at: t - 2 * DAY },
    { artist: 'Air', track: 'Talisman', at: t - DAY },
    { artist: 'Old', track: 'Gone', at: t - 20 * DAY },
  ];
  // Last.fm already has the second one (scrobbled from another app).
  state.library.of('sandbox-ada').scrobbles.push({ artist: 'Air', track: 'Kelly Watch the Stars', album: undefined, timestamp: t - 2 * DAY });

  const summary = await agent.post('/track/import').set('Accept', 'application/json').send({ _csrf: csrf, text: listens(plays) }).expect(201);
  expect(summary.body).toMatchObject({ read: 4, toSend: 2, leftOut: { 'too-old': 1, 'already-on-lastfm': 1 } });
  const importId = (summary.body as { importId: string }).importId;
  // Nothing is queued before the person confirms.
  expect(((await agent.get('/track/scrobbles').set('Accept', 'application/json').expect(200)).body as { waiting: number }).waiting).toBe(0);
  expect(state.library.of('sandbox-ada').scrobbles).toHaveLength(1);

  const confirmed = await agent.post(`/track/import/${importId}/confirm`).set('Accept', 'application/json').send({ _csrf: csrf }).expect(202);
  expect(confirmed.body).toEqual({ importId, queued: 2 });
  await until(() => state.library.of('sandbox-ada').scrobbles.length === 3);
  expect(state.library.of('sandbox-ada').scrobbles.map((s) => [s.track, s.timestamp]).sort()).toEqual(
    [
      ['Kelly Watch the Stars', t - 2 * DAY],
      ['Sexy Boy', t - 3 * DAY],
      ['Talisman', t - DAY],
    ].sort(),
  );

  // A second confirm queues nothing more, and the same file again has nothing left to send.
  await agent.post(`/track/import/${importId}/confirm`).set('Accept', 'application/json').send({ _csrf: csrf }).expect(404);
  const again = await agent.post('/track/import').set('Accept', 'application/json').send({ _csrf: csrf, text: listens(plays) }).expect(201);
  expect(again.body).toMatchObject({ read: 4, toSend: 0, leftOut: { 'too-old': 1, 'already-on-lastfm': 3 } });
});

it('a play still waiting in the outbox is not queued twice', async () => {
  const { agent, csrf } = await passwordSignIn(baseUrl);
  const t = now();
  state.outage = true;
  await agent.post('/track/scrobble').set('Accept', 'application/json').send({ _csrf: csrf, artist: 'Air', track: 'Playground Love', timestamp: String(t - 600) }).expect(202);
  const summary = await agent.post('/track/import').set('Accept', 'application/json').send({ _csrf: csrf, text: listens([{ artist: 'air', track: 'playground love', at: t - 600 }]) });
  state.outage = false;
  expect(summary.status).toBe(201);
  expect(summary.body).toMatchObject({ read: 1, toSend: 0, leftOut: { 'already-queued': 1 } });
});

it('in a browser: the form leads to a summary page in words, and confirming comes back home with a message', async () => {
  const { agent, csrf } = await passwordSignIn(baseUrl);
  const t = now();
  const log = ['#AUDIOSCROBBLER/1.1', '#TZ/UNKNOWN', `Björk\tHomogenic\tJóga\t3\t305\tL\t${t - 7200}\t`, `Björk\tHomogenic\tHunter\t1\t255\tS\t${t - 6000}\t`, 'broken line'].join('\n');
  const posted = await agent.post('/track/import').type('form').send({ _csrf: csrf, text: log, timeZone: 'UTC' }).expect(303);
  const page = await agent.get(posted.headers.location as string).expect(200);
  expect(page.text).toContain('Read <strong data-testid="import-read">3</strong> plays from a player’s .scrobbler.log.');
  expect(page.text).toMatch(/<strong data-testid="import-to-send">1<\/strong> will be sent/);
  expect(page.text).toContain('1: marked as skipped by the player');
  expect(page.text).toContain('Line 5 has fewer than 7 tab-separated columns');
  const confirm = /action="([^"]+\/confirm)"/.exec(page.text)?.[1] ?? '';
  const home = await agent.post(confirm).type('form').send({ _csrf: csrfFrom(page.text) }).expect(303);
  expect(home.headers.location).toBe('/#message');
  expect((await agent.get('/').expect(200)).text).toContain('Queued 1 plays from your import');
  await until(() => state.library.of('sandbox-ada').scrobbles.some((s) => s.track === 'Jóga' && s.timestamp === t - 7200));
});

it('refuses in words: an unknown time zone, a file of no known format, and nothing pasted', async () => {
  const { agent, csrf } = await passwordSignIn(baseUrl);
  const zone = await agent.post('/track/import').set('Accept', 'application/json').send({ _csrf: csrf, text: '#TZ/UNKNOWN\n', timeZone: 'Mars/Base' }).expect(400);
  expect(JSON.stringify(zone.body)).toContain('Time zone \\"Mars/Base\\" is not a time zone name');
  const json = await agent.post('/track/import').set('Accept', 'application/json').send({ _csrf: csrf, text: '[{"hello": "world"}]' }).expect(400);
  expect(JSON.stringify(json.body)).toContain('neither a ListenBrainz export nor Spotify');
  await agent.post('/track/import').set('Accept', 'application/json').send({ _csrf: csrf, text: '  ' }).expect(400);
});

describe('as a file (multipart/form-data), the form token first', () => {
  it('streams a Spotify history file through the same summary, and refuses one without this session’s token before reading it', async () => {
    const { agent, csrf } = await passwordSignIn(baseUrl);
    const t = now();
    const history = JSON.stringify([
      { ts: new Date((t - 3600) * 1000).toISOString(), ms_played: 200_000, master_metadata_track_name: 'Digital Love', master_metadata_album_artist_name: 'Daft Punk', master_metadata_album_album_name: 'Discovery' },
      { ts: new Date((t - 1800) * 1000).toISOString(), ms_played: 5_000, master_metadata_track_name: 'Skipped', master_metadata_album_artist_name: 'Daft Punk', master_metadata_album_album_name: null },
      { ts: new Date((t - 900) * 1000).toISOString(), ms_played: 1_500_000, master_metadata_track_name: null, master_metadata_album_artist_name: null, episode_name: 'A talk' },
    ]);
    const summary = await agent
      .post('/track/import')
      .set('Accept', 'application/json')
      .field('_csrf', csrf)
      .field('timeZone', 'Europe/Berlin')
      .attach('file', Buffer.from(history), 'Streaming_History_Audio_2026.json')
      .expect(201);
    expect(summary.body).toMatchObject({ read: 3, toSend: 1, leftOut: { 'too-short': 1, podcast: 1 }, format: 'spotify', from: t - 3600 - 200 });

    const forged = await agent.post('/track/import').set('Accept', 'application/json').field('_csrf', 'not-the-token').attach('file', Buffer.from(history), 'history.json');
    expect(forged.status).toBe(403);
    const tokenLast = await agent.post('/track/import').set('Accept', 'application/json').attach('file', Buffer.from(history), 'history.json').field('_csrf', csrf);
    expect(tokenLast.status).toBe(403);
  });

  it('a signed-out upload is refused before its body is read', async () => {
    const res = await request(baseUrl).post('/track/import').set('Accept', 'application/json').field('_csrf', 'x').attach('file', Buffer.from('[]'), 'a.json');
    expect(res.status).toBe(401);
  });
});

it('a file refused before it is read (an unknown time zone) is answered at once, and the rest of the upload is let go', async () => {
  const { agent, csrf } = await passwordSignIn(baseUrl);
  // Larger than the socket buffers: an upload nobody reads any more would stall the sender.
  const big = Buffer.alloc(8 * 1024 * 1024, 'a');
  const res = await agent.post('/track/import').set('Accept', 'application/json').field('_csrf', csrf).field('timeZone', 'Mars/Base').attach('file', big, 'history.json');
  expect(res.status).toBe(400);
  expect(JSON.stringify(res.body)).toContain('is not a time zone name');
  // The app goes on answering this browser.
  await agent.get('/track/scrobbles').set('Accept', 'application/json').expect(200);
});
