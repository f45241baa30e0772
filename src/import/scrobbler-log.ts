import { cleanName, malformed, type ReadEntry } from './play';
import type { ZoneClock } from './time-zone';

/**
 * `.scrobbler.log`, the Audioscrobbler portable player format 1.1 (Rockbox and others): `#` header
 * lines, then one tab-separated line a play: artist, album, title, track number, duration (s),
 * rating (`L` listened, `S` skipped), unix time, MusicBrainz id. With `#TZ/UNKNOWN` the times are
 * the player's local clock, read in the time zone the person gives.
 */
export class ScrobblerLogReader {
  private local = false;

  constructor(private readonly zone: ZoneClock) {}

  /** One line of the file; undefined for headers and blank lines. */
  read(text: string, line: number): ReadEntry | undefined {
    if (text.trim() === '') return undefined;
    if (text.startsWith('#')) {
      const header = text.trim().toUpperCase();
      if (header.startsWith('#TZ/')) this.local = header !== '#TZ/UTC';
      return undefined;
    }
    const fields = text.replace(/\r$/, '').split('\t');
    if (fields.length < 7) return malformed(line, 'has fewer than 7 tab-separated columns');
    const [artistField, albumField, titleField, , , rating = '', time = ''] = fields;
    const artist = cleanName(artistField);
    const track = cleanName(titleField);
    if (artist === undefined || track === undefined) return malformed(line, 'has no readable artist or title');
    if (!/^\d{1,11}$/.test(time.trim())) return malformed(line, 'has a time that is not unix seconds');
    const rated = rating.trim().toUpperCase();
    if (rated === 'S') return { leftOut: 'skipped', line };
    if (rated !== 'L') return malformed(line, 'has a rating other than L or S');
    const seconds = Number(time.trim());
    const album = albumField === undefined || albumField.trim() === '' ? undefined : cleanName(albumField);
    return { play: { artist, track, album, timestamp: this.local ? this.zone.toUtc(seconds) : seconds, line } };
  }
}
