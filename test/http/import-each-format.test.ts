import { SandboxState } from 'lastfm-sign-in/testing';
import { startSandboxServer } from '../helpers/app';
import { passwordSignIn, until } from '../helpers/stand-in';

/*
 * Each import format, uploaded as a file and confirmed, against the sandbox, which records what it
 * accepted: exactly the plays expected arrive, with their original times, none older than 14 days.
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

const t = Math.floor(Date.now() / 1000);
const iso = (seconds: number): string => new Date(seconds * 1000).toISOString();

/** Each format's file: two plays to send (at t - 2 days and t - 1 day), one too old, one left out for the format's own reason. */
const FILES: [string, string, string, Record<string, number>][] = [
  [
    '.scrobbler.log',
    'scrobbler-log',
    ['#AUDIOSCROBBLER/1.1', '#TZ/UTC', '#CLIENT/Rockbox', `A\tAlbum\tFirst\t1\t200\tL\t${t - 2 * DAY}\t`, `A\tAlbum\tSecond\t2\t200\tL\t${t - DAY}\t`, `A\tAlbum\tOld\t3\t200\tL\t${t - 20 * DAY}\t`, `A\tAlbum\tSkipped\t4\t200\tS\t${t - 100}\t`].join('\n'),
    { 'too-old': 1, skipped: 1 },
  ],
  [
    'listens.jsonl',
    'listenbrainz',
    [
      { listened_at: t - 2 * DAY, track_metadata: { artist_name: 'A', track_name: 'First', release_name: 'Album' } },
      { listened_at: t - DAY, track_metadata: { artist_name: 'A', track_name: 'Second' } },
      { listened_at: t - 20 * DAY, track_metadata: { artist_name: 'A', track_name: 'Old' } },
      { listened_at: t - 100, track_metadata: {} },
    ]
      .map((listen) => JSON.stringify(listen))
      .join('\n'),
    { 'too-old': 1, malformed: 1 },
  ],
  [
    'Streaming_History_Audio_2026.json',
    'spotify',
    JSON.stringify([
      { ts: iso(t - 2 * DAY + 200), ms_played: 200_000, master_metadata_track_name: 'First', master_metadata_album_artist_name: 'A', master_metadata_album_album_name: 'Album' },
      { ts: iso(t - DAY + 31), ms_played: 31_000, master_metadata_track_name: 'Second', master_metadata_album_artist_name: 'A', master_metadata_album_album_name: null },
      { ts: iso(t - 20 * DAY), ms_played: 200_000, master_metadata_track_name: 'Old', master_metadata_album_artist_name: 'A', master_metadata_album_album_name: null },
      { ts: iso(t - 100), ms_played: 600_000, master_metadata_track_name: null, master_metadata_album_artist_name: null, episode_name: 'A show' },
    ]),
    { 'too-old': 1, podcast: 1 },
  ],
  ['plays.csv', 'lines', ['artist,track,album,timestamp', `A,First,Album,${t - 2 * DAY}`, `A,Second,,${iso(t - DAY)}`, `A,Old,,${t - 20 * DAY}`, 'A,No time'].join('\n'), { 'too-old': 1, malformed: 1 }],
];

it.each(FILES)('%s: exactly the two recent plays reach Last.fm, at the times they were played', async (fileName, format, content, leftOut) => {
  const { agent, csrf } = await passwordSignIn(baseUrl);
  const summary = await agent.post('/track/import').set('Accept', 'application/json').field('_csrf', csrf).attach('file', Buffer.from(content), fileName).expect(201);
  expect(summary.body).toMatchObject({ format, read: 4, toSend: 2, leftOut });
  await agent.post(`/track/import/${(summary.body as { importId: string }).importId}/confirm`).set('Accept', 'application/json').send({ _csrf: csrf }).expect(202);
  await until(() => state.library.of('sandbox-ada').scrobbles.length >= 2);
  expect(state.library.of('sandbox-ada').scrobbles.map((s) => [s.artist, s.track, s.timestamp])).toEqual([
    ['A', 'First', t - 2 * DAY],
    ['A', 'Second', t - DAY],
  ]);
});
