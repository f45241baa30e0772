import { SCROBBLE_WINDOW_SECONDS, type ScrobbleItem } from 'lastfm-sign-in';
import { InputError } from '../errors';
import { badInput, optionalString } from './input';

/** Longest artist, track or album name accepted; Last.fm's own names are far shorter. */
const MAX_NAME_LENGTH = 256;
/** A little clock skew is forgiven; further into the future is refused. */
const FUTURE_SLACK_SECONDS = 5 * 60;
/** Gap given to batch lines without a time, so they read as plays one after another. */
const BATCH_GAP_SECONDS = 3 * 60;

export type Body = Record<string, unknown>;

export function requiredText(body: Body, name: string, maxLength = MAX_NAME_LENGTH): string {
  const value = optionalString(body[name], name, maxLength)?.trim();
  if (value === undefined || value === '') throw badInput(name, 'is required');
  return value;
}

export function optionalText(body: Body, name: string, maxLength = MAX_NAME_LENGTH): string | undefined {
  const value = optionalString(body[name], name, maxLength)?.trim();
  return value === '' ? undefined : value;
}

export function readArtistTrack(body: Body): { artist: string; track: string } {
  return { artist: requiredText(body, 'artist'), track: requiredText(body, 'track') };
}

export function readDuration(body: Body): number | undefined {
  const raw = optionalText(body, 'duration', 10);
  if (raw === undefined) return undefined;
  const seconds = Number(raw);
  if (!/^\d+$/.test(raw) || seconds < 1 || seconds > 86_400) throw badInput('duration', 'must be a whole number of seconds from 1 to 86400');
  return seconds;
}

/** A time played, in UTC seconds: a ms value is refused rather than guessed at. */
function checkTimestamp(seconds: number, nowSeconds: number, name: string): number {
  if (seconds >= 100_000_000_000) throw badInput(name, 'looks like milliseconds; give the time in UTC seconds');
  if (seconds > nowSeconds + FUTURE_SLACK_SECONDS) throw badInput(name, 'is in the future; give a time up to now');
  if (seconds < nowSeconds - SCROBBLE_WINDOW_SECONDS) throw badInput(name, 'is more than 14 days ago, and Last.fm takes scrobbles up to 14 days old');
  return seconds;
}

/** `timestamp` (UTC seconds) or the form's `playedAt` (a UTC date and time); neither means now. */
export function readPlayedAt(body: Body, nowSeconds: number): number {
  const timestamp = optionalText(body, 'timestamp', 20);
  if (timestamp !== undefined) {
    if (!/^\d+$/.test(timestamp)) throw badInput('timestamp', 'must be a whole number of UTC seconds');
    return checkTimestamp(Number(timestamp), nowSeconds, 'timestamp');
  }
  const playedAt = optionalText(body, 'playedAt', 40);
  if (playedAt === undefined) return nowSeconds;
  const ms = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(playedAt) ? Date.parse(`${playedAt}Z`) : Number.NaN;
  if (Number.isNaN(ms)) throw badInput('playedAt', 'must be a date and time like 2026-11-23T18:30 (UTC)');
  return checkTimestamp(Math.floor(ms / 1000), nowSeconds, 'playedAt');
}

/** Lines one batch (form or file) may hold; the outbox sends them 50 to a call. */
const MAX_BATCH_LINES = 1000;
const MAX_BATCH_CHARS = 400_000;
const LINE_FORMAT = '"Artist - Track" or "Artist - Track | album | 2026-11-23T18:30:00Z"';

/**
 * The batch: the textarea, or an uploaded `.txt` (the same lines) or `.csv` file (`artist,track,
 * album,timestamp` columns, a header row allowed, or the same lines). Each line is checked before
 * anything is queued, and a bad one is named by its line number. Lines without a time are spread
 * back from now, a few minutes apart, in the order given.
 */
export function readBatch(body: Body, nowSeconds: number): ScrobbleItem[] {
  const { text, csv, field } = batchText(body);
  if (text.length > MAX_BATCH_CHARS) throw badInput(field, `is too long (at most ${MAX_BATCH_CHARS} characters)`);
  // Line breaks and tabs belong in a textarea; other control characters do not.
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused here
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(text)) {
    // A file with such bytes is almost always a spreadsheet, an image or a zip, not a mistyped line.
    throw field === 'file' ? badInput(field, 'is not a text file: save the list as .txt or .csv (plain text) and choose that') : badInput(field, 'contains control characters');
  }
  const lines = text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .map((line, i) => ({ number: i + 1, line: line.trim() }))
    .filter(({ line }) => line !== '');
  if (csv && lines[0] !== undefined && /^"?artist"?\s*,\s*"?track"?/i.test(lines[0].line)) lines.shift();
  if (lines.length === 0) throw badInput(field, 'is required (one "Artist - Track" per line)');
  if (lines.length > MAX_BATCH_LINES) throw badInput(field, `has ${lines.length} lines; at most ${MAX_BATCH_LINES} can be sent at once`);
  return lines.map(({ number, line }, i) => {
    const where = { number, field };
    const parts = batchLineParts(line, csv);
    if (typeof parts === 'string') throw lineProblem(where, parts);
    const { artist, track, album, time } = parts;
    let timestamp = nowSeconds - (lines.length - 1 - i) * BATCH_GAP_SECONDS;
    if (time !== undefined) {
      timestamp = time;
      if (timestamp > nowSeconds + FUTURE_SLACK_SECONDS) throw lineProblem(where, 'has a time in the future');
      if (timestamp < nowSeconds - SCROBBLE_WINDOW_SECONDS) throw lineProblem(where, 'has a time more than 14 days ago');
    }
    return { artist, track, album, timestamp };
  });
}

/** A line of the batch, named in the person's words: "Line 2 of the list", "Line 2 of the file". */
interface Line {
  number: number;
  field: string;
}

function lineProblem({ number, field }: Line, problem: string): InputError {
  return new InputError(field, `Line ${number} of the ${field === 'file' ? 'file' : 'list'} ${problem}.`);
}

/** One batch line read: names checked, the time in UTC seconds when the line gives one. */
export interface BatchLine {
  artist: string;
  track: string;
  album: string | undefined;
  time: number | undefined;
}

/** One line of a batch (or an imported text file), or what is wrong with it, worded to follow "Line N of the list". */
export function batchLineParts(line: string, csv: boolean): BatchLine | string {
  const parts = csv && line.includes(',') ? csvColumns(line) : lineParts(line);
  if (typeof parts === 'string') return parts;
  const { artist, track, album, time } = parts;
  if (artist === '' || track === '') return 'needs both an artist and a track';
  if (artist.length > MAX_NAME_LENGTH || track.length > MAX_NAME_LENGTH || album.length > MAX_NAME_LENGTH) return `has a name longer than ${MAX_NAME_LENGTH} characters`;
  if (time === '') return { artist, track, album: album === '' ? undefined : album, time: undefined };
  const ms = /^\d{4}-\d{2}-\d{2}T/.test(time) ? Date.parse(time) : csv && /^\d{1,11}$/.test(time) ? Number(time) * 1000 : Number.NaN;
  if (Number.isNaN(ms)) return `has a time that is not an ISO date and time (like 2026-11-23T18:30:00Z)${csv ? ' or UTC seconds' : ''}`;
  return { artist, track, album: album === '' ? undefined : album, time: Math.floor(ms / 1000) };
}

interface LineParts {
  artist: string;
  track: string;
  album: string;
  time: string;
}

/** The uploaded file's text when there is one, else the textarea's. */
function batchText(body: Body): { text: string; csv: boolean; field: string } {
  const file = body.file;
  if (typeof file === 'object' && file !== null && 'name' in file && 'text' in file && typeof file.name === 'string' && typeof file.text === 'string') {
    if (!/\.(txt|csv)$/i.test(file.name)) throw badInput('file', 'must be a .txt or .csv file');
    return { text: file.text, csv: /\.csv$/i.test(file.name), field: 'file' };
  }
  const raw = body.lines;
  if (raw !== undefined && typeof raw !== 'string') throw badInput('lines', 'must be given once, as text');
  return { text: raw ?? '', csv: false, field: 'lines' };
}

/** `Artist - Track`, optionally `| album | ISO time`. */
function lineParts(line: string): LineParts | string {
  const [head = '', album = '', time = '', ...rest] = line.split('|').map((part) => part.trim());
  const dash = head.indexOf(' - ');
  if (rest.length > 0 || dash < 1) return `must look like ${LINE_FORMAT}`;
  return { artist: head.slice(0, dash).trim(), track: head.slice(dash + 3).trim(), album, time };
}

/** `artist,track,album,timestamp`, with "quoted" values that may hold commas and "" for a quote. */
function csvColumns(line: string): LineParts | string {
  const values: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < line.length; i += 1) {
    const c = line.charAt(i);
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        current += '"';
        i += 1;
      } else if (c === '"') quoted = false;
      else current += c;
    } else if (c === '"' && current.trim() === '') {
      quoted = true;
      current = '';
    } else if (c === ',') {
      values.push(current.trim());
      current = '';
    } else current += c;
  }
  if (quoted) return 'has a quote that is not closed';
  values.push(current.trim());
  if (values.length > 4) return 'has more than 4 columns (artist,track,album,timestamp)';
  const [artist = '', track = '', album = '', time = ''] = values;
  return { artist, track, album, time };
}
