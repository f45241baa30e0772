import fc from 'fast-check';
import { readImport, type ImportOptions, type ImportSummary } from '../../src/import/read-import';
import { zoneClock } from '../../src/import/time-zone';

/*
 * The import formats, from small samples shaped like the real files: each play read with its
 * original time, what Last.fm would not take left out and counted, and the same result however
 * the file arrives in chunks.
 */

const NOW = Date.UTC(2026, 11, 4, 12) / 1000;
const DAY = 86_400;
const options: ImportOptions = { nowSeconds: NOW, maxKept: 10_000 };

/** The file as an upload delivers it: bytes in chunks of `size`, cut anywhere. */
function chunks(text: string, size = text.length): AsyncIterable<Buffer> {
  const bytes = Buffer.from(text, 'utf8');
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) parts.push(bytes.subarray(i, i + size));
  return (async function* () {
    for (const part of parts) yield await Promise.resolve(part);
  })();
}

const read = (text: string, extra: Partial<ImportOptions> = {}): Promise<ImportSummary> => readImport(chunks(text), { ...options, ...extra });
const iso = (seconds: number): string => new Date(seconds * 1000).toISOString();

describe('.scrobbler.log', () => {
  const log = (tz: string, lines: string[]): string => ['#AUDIOSCROBBLER/1.1', `#TZ/${tz}`, '#CLIENT/Rockbox sansa$Revision$', ...lines].join('\n');

  it('reads L plays with their UTC times, counts S as skipped, and names malformed lines by number', async () => {
    const summary = await read(
      log('UTC', [
        `Björk\tHomogenic\tJóga\t3\t305\tL\t${NOW - 3600}\t`,
        `Björk\tHomogenic\tHunter\t1\t255\tS\t${NOW - 3300}\t`,
        `Portishead\t\tRoads\t\t305\tL\t${NOW - 3000}\tb1a9c0e9-d987-4042-ae91-78d6a3267d69`,
        'just some text',
        `Old\tAlbum\tSong\t1\t200\tL\t${NOW - 20 * DAY}\t`,
      ]),
    );
    expect(summary.format).toBe('scrobbler-log');
    expect(summary.plays).toEqual([
      { artist: 'Björk', track: 'Jóga', album: 'Homogenic', timestamp: NOW - 3600, line: 4 },
      { artist: 'Portishead', track: 'Roads', album: undefined, timestamp: NOW - 3000, line: 6 },
    ]);
    expect(summary.read).toBe(5);
    expect(summary.leftOut).toEqual({ skipped: 1, malformed: 1, 'too-old': 1 });
    expect(summary.examples).toEqual([{ reason: 'malformed', line: 7, detail: 'has fewer than 7 tab-separated columns' }]);
  });

  it('with #TZ/UNKNOWN reads the times as the player’s local clock in the zone given, daylight saving included', async () => {
    // 2026-11-30 10:00 on a Berlin wall clock (UTC+1 in winter) is 09:00 UTC.
    const wallClock = Date.UTC(2026, 10, 30, 10) / 1000;
    const berlin = zoneClock('Europe/Berlin');
    const summary = await read(log('UNKNOWN', [`A\t\tT\t\t200\tL\t${wallClock}\t`]), berlin === undefined ? {} : { zone: berlin });
    expect(summary.plays[0]?.timestamp).toBe(wallClock - 3600);
    const auckland = zoneClock('Pacific/Auckland');
    // In December Auckland keeps daylight time, UTC+13.
    const summer = await read(log('UNKNOWN', [`A\t\tT\t\t200\tL\t${wallClock}\t`]), auckland === undefined ? {} : { zone: auckland });
    expect(summer.plays[0]?.timestamp).toBe(wallClock - 13 * 3600);
  });

  it('knows real zone names only', () => {
    expect(zoneClock('Europe/Berlin')?.zone).toBe('Europe/Berlin');
    expect(zoneClock('Mars/Olympus_Mons')).toBeUndefined();
  });
});

describe('ListenBrainz export', () => {
  const listen = (at: number, artist: string, track: string, release?: string | null): object => ({ listened_at: at, recording_msid: 'x', track_metadata: { artist_name: artist, track_name: track, release_name: release, additional_info: { duration_ms: 1000 } } });

  it('reads a JSON array of listens', async () => {
    const summary = await read(JSON.stringify([listen(NOW - 100, 'Air', 'La femme d’argent', 'Moon Safari'), listen(NOW - 30 * DAY, 'Old', 'Song'), { listened_at: NOW, track_metadata: {} }], null, 2));
    expect(summary.format).toBe('listenbrainz');
    expect(summary.plays).toEqual([{ artist: 'Air', track: 'La femme d’argent', album: 'Moon Safari', timestamp: NOW - 100, line: 2 }]);
    expect(summary.leftOut).toEqual({ 'too-old': 1, malformed: 1 });
  });

  it('reads JSON lines, one listen a line, and leaves out the same listen given twice', async () => {
    const lines = [listen(NOW - 200, 'A', 'One', null), listen(NOW - 100, 'B', 'Two'), listen(NOW - 200, 'a', 'one')].map((l) => JSON.stringify(l)).join('\n');
    const summary = await read(lines);
    expect(summary.plays.map((p) => [p.track, p.timestamp, p.line])).toEqual([['One', NOW - 200, 1], ['Two', NOW - 100, 2]]);
    expect(summary.leftOut).toEqual({ 'repeated-in-file': 1 });
  });

  it('leaves out a listen whose names are not well-formed text (JSON’s lone \\udc00)', async () => {
    const summary = await read(`[{"listened_at": ${NOW - 5}, "track_metadata": {"artist_name": "M", "track_name": "\\udc00"}}]`);
    expect(summary.plays).toEqual([]);
    expect(summary.leftOut).toEqual({ malformed: 1 });
  });
});

describe('Spotify extended streaming history', () => {
  const play = (endedAt: number, ms: number, artist: string | null, track: string | null, extra: object = {}): object => ({
    ts: iso(endedAt),
    platform: 'android',
    ms_played: ms,
    conn_country: 'DE',
    master_metadata_track_name: track,
    master_metadata_album_artist_name: artist,
    master_metadata_album_album_name: track === null ? null : 'Album',
    spotify_track_uri: track === null ? null : 'spotify:track:x',
    episode_name: null,
    skipped: false,
    ...extra,
  });

  it('sends plays of 30 s or more at the time they started; short plays and podcasts are counted apart', async () => {
    const summary = await read(
      JSON.stringify([
        play(NOW - 1000, 240_000, 'Daft Punk', 'Digital Love'),
        play(NOW - 700, 29_999, 'Daft Punk', 'Too Short'),
        play(NOW - 600, 30_000, 'Daft Punk', 'Just Enough'),
        play(NOW - 500, 1_800_000, null, null, { episode_name: 'A podcast', spotify_episode_uri: 'spotify:episode:y' }),
        play(NOW - 40 * DAY, 200_000, 'Old', 'Gone'),
      ]),
    );
    expect(summary.format).toBe('spotify');
    expect(summary.plays.map((p) => [p.track, p.timestamp])).toEqual([['Digital Love', NOW - 1000 - 240], ['Just Enough', NOW - 600 - 30]]);
    expect(summary.read).toBe(5);
    expect(summary.leftOut).toEqual({ 'too-short': 1, podcast: 1, 'too-old': 1 });
  });

  it('refuses JSON that is neither export, and a file cut off in the middle', async () => {
    await expect(read('[{"name": "not a play at all"}]')).rejects.toThrow(/neither a ListenBrainz export nor Spotify/);
    await expect(read(JSON.stringify([play(NOW - 10, 40_000, 'A', 'B')]).slice(0, -20))).rejects.toThrow(/stops in the middle/);
  });
});

describe('lines of today’s batch form, and CSV', () => {
  it('reads a line far longer than any play as one malformed line, and the lines after it as usual, in any chunks', async () => {
    const long = 'x'.repeat(200 * 1024);
    const text = [long, `Air - Sexy Boy | Moon Safari | ${iso(NOW - 500)}`].join('\n');
    for (const size of [text.length, 4096, 7]) {
      const summary = await readImport(chunks(text, size), options);
      expect(summary.format).toBe('lines');
      expect(summary.leftOut).toEqual({ malformed: 1 });
      expect(summary.examples.map((e) => e.line)).toEqual([1]);
      expect(summary.plays).toEqual([{ artist: 'Air', track: 'Sexy Boy', album: 'Moon Safari', timestamp: NOW - 500, line: 2 }]);
    }
  });

  it('reads timed lines and CSV rows; lines without a time are left out, since an import keeps the times played', async () => {
    const text = [`Air - Sexy Boy | Moon Safari | ${iso(NOW - 500)}`, 'No Time - At All', 'nonsense'].join('\n');
    const summary = await read(text);
    expect(summary.format).toBe('lines');
    expect(summary.plays).toEqual([{ artist: 'Air', track: 'Sexy Boy', album: 'Moon Safari', timestamp: NOW - 500, line: 1 }]);
    expect(summary.leftOut).toEqual({ malformed: 2 });
    expect(summary.examples.map((e) => e.line)).toEqual([2, 3]);
    const csv = await read(`artist,track,album,timestamp\n"Crosby, Stills",Helplessly Hoping,,${NOW - 50}\n`, { fileName: 'plays.csv' });
    expect(csv.plays).toEqual([{ artist: 'Crosby, Stills', track: 'Helplessly Hoping', album: undefined, timestamp: NOW - 50, line: 2 }]);
  });

  it('an empty file is refused', async () => {
    await expect(read('  \n')).rejects.toThrow(/is empty/);
  });
});

it('keeps at most maxKept plays and counts the rest as over the limit', async () => {
  const lines = Array.from({ length: 12 }, (_, i) => `A - T${i} | | ${iso(NOW - 1000 + i)}`).join('\n');
  const summary = await read(lines, { maxKept: 10 });
  expect(summary.plays).toHaveLength(10);
  expect(summary.leftOut).toEqual({ 'over-limit': 2 });
});

it('property: however a file is cut into chunks (even inside a character or a string), the summary is the same', async () => {
  const spotify = JSON.stringify(
    Array.from({ length: 30 }, (_, i) => ({ ts: iso(NOW - 5000 + i * 100), ms_played: 20_000 + i * 1000, master_metadata_track_name: `Tr"ack {${i}} ]é😀`, master_metadata_album_artist_name: `Ärtist\\${i % 4}`, master_metadata_album_album_name: null })),
    null,
    1,
  );
  const log = ['#AUDIOSCROBBLER/1.1', '#TZ/UTC', ...Array.from({ length: 30 }, (_, i) => `Ä${i}\t\tT😀${i}\t\t200\t${i % 3 === 0 ? 'S' : 'L'}\t${NOW - 9000 + i}\t`)].join('\r\n');
  for (const text of [spotify, log]) {
    const whole = await read(text);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 97 }), async (size) => {
        expect(await readImport(chunks(text, size), options)).toEqual(whole);
      }),
      { numRuns: 40 },
    );
  }
});
