import { StringDecoder } from 'node:string_decoder';
import { SCROBBLE_WINDOW_SECONDS } from 'lastfm-sign-in';
import { JsonValueSplitter } from './json-values';
import { readListen } from './listenbrainz';
import { readLinesEntry } from './text-lines';
import type { ImportedPlay, LeftOutReason, ReadEntry } from './play';
import { ScrobblerLogReader } from './scrobbler-log';
import { readSpotifyPlay } from './spotify';
import { UTC_CLOCK, type ZoneClock } from './time-zone';

export type ImportFormat = 'scrobbler-log' | 'listenbrainz' | 'spotify' | 'lines';

export const FORMAT_NAMES: Readonly<Record<ImportFormat, string>> = {
  'scrobbler-log': 'a player’s .scrobbler.log',
  listenbrainz: 'a ListenBrainz export',
  spotify: 'Spotify streaming history',
  lines: 'lines of “Artist - Track” or CSV',
};

export interface ImportOptions {
  nowSeconds: number;
  /** For `.scrobbler.log` files kept in the player's local time (`#TZ/UNKNOWN`). */
  zone?: ZoneClock;
  /** Plays kept at most; more are counted as over the limit, so what is stored stays bounded. */
  maxKept: number;
  /** The upload's file name, when there is one: `.csv` reads lines as columns. */
  fileName?: string;
}

/** A left-out entry worth naming: which line and what was wrong. */
export interface LeftOutExample {
  reason: LeftOutReason;
  line: number;
  detail?: string | undefined;
}

export interface ImportSummary {
  format: ImportFormat;
  /** Entries read (plays and left-out ones; header lines not counted). */
  read: number;
  /** What Last.fm will take, oldest first. */
  plays: ImportedPlay[];
  leftOut: Partial<Record<LeftOutReason, number>>;
  /** The first few malformed entries, with their line numbers. */
  examples: LeftOutExample[];
}

/** A little clock skew is forgiven, as on the forms. */
const FUTURE_SLACK_SECONDS = 5 * 60;
const EXAMPLES_KEPT = 5;

/** The file is not one of the formats read here, or stops in the middle. */
export class ImportFormatError extends Error {
  override readonly name = 'ImportFormatError';
}

/**
 * Reads a whole import, chunk by chunk, and keeps only what Last.fm will take: plays from the last
 * 14 days, each once, at most `maxKept` of them. The format is told from the content.
 */
export async function readImport(source: AsyncIterable<Buffer | string>, options: ImportOptions): Promise<ImportSummary> {
  const tally = new Tally(options);
  const decoder = new StringDecoder('utf8');
  let parser: ((chunk: string) => void) | undefined;
  let head = '';
  /** Characters of the head after its leading white space, counted chunk by chunk (not the whole head again each time). */
  let begun = 0;
  let finish: () => void = () => undefined;
  for await (const chunk of source) {
    const text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
    if (parser === undefined) {
      head += text;
      begun += begun === 0 ? text.trimStart().length : text.length;
      // Enough to tell the format once something other than white space has come.
      if (begun < 16) continue;
      ({ parser, finish } = parserFor(head, tally, options));
      parser(head.replace(/^\uFEFF/, ''));
      continue;
    }
    parser(text);
  }
  const rest = decoder.end();
  if (parser === undefined) {
    if (head.trim() === '' && rest.trim() === '') throw new ImportFormatError('is empty');
    ({ parser, finish } = parserFor(head + rest, tally, options));
    parser((head + rest).replace(/^\uFEFF/, ''));
  } else if (rest !== '') parser(rest);
  finish();
  return tally.summary();
}

function parserFor(head: string, tally: Tally, options: ImportOptions): { parser: (chunk: string) => void; finish: () => void } {
  const start = head.replace(/^\uFEFF/, '').trimStart();
  if (/^#(AUDIOSCROBBLER|TZ|CLIENT)\//i.test(start)) {
    tally.format = 'scrobbler-log';
    const reader = new ScrobblerLogReader(options.zone ?? UTC_CLOCK);
    return byLine((text, line) => reader.read(text, line), tally);
  }
  if (start.startsWith('[') || start.startsWith('{')) return jsonParser(tally);
  tally.format = 'lines';
  const csv = options.fileName !== undefined && /\.csv$/i.test(options.fileName);
  let first = true;
  return byLine((text, line) => {
    // A CSV header row names its columns; it is not a play.
    if (first && csv && /^"?artist"?\s*,\s*"?track"?/i.test(text.trim())) {
      first = false;
      return undefined;
    }
    if (text.trim() !== '') first = false;
    return readLinesEntry(text, line, csv);
  }, tally);
}

/** No play takes a line this long; past it a line is read from its start only (and found malformed). */
const MAX_LINE_CHARS = 64 * 1024;

/**
 * Feeds whole lines to `read`, keeping a line cut between chunks until its end comes. Each chunk is
 * searched once: a file without line breaks must not be searched again from its start with every
 * chunk, which for the largest upload held the process for seconds.
 */
function byLine(read: (text: string, line: number) => ReadEntry | undefined, tally: Tally): { parser: (chunk: string) => void; finish: () => void } {
  let pieces: string[] = [];
  let kept = 0;
  let line = 0;
  const keep = (text: string) => {
    if (kept >= MAX_LINE_CHARS) return;
    const piece = text.slice(0, MAX_LINE_CHARS - kept);
    pieces.push(piece);
    kept += piece.length;
  };
  const take = () => {
    line += 1;
    const entry = read(pieces.join('').replace(/\r$/, ''), line);
    pieces = [];
    kept = 0;
    if (entry !== undefined) tally.add(entry);
  };
  return {
    parser(chunk) {
      let from = 0;
      for (let end = chunk.indexOf('\n'); end !== -1; end = chunk.indexOf('\n', from)) {
        keep(chunk.slice(from, end));
        take();
        from = end + 1;
      }
      if (from < chunk.length) keep(chunk.slice(from));
    },
    finish() {
      if (kept > 0) take();
    },
  };
}

function jsonParser(tally: Tally): { parser: (chunk: string) => void; finish: () => void } {
  const splitter = new JsonValueSplitter();
  let readEntry: ((value: unknown, line: number) => ReadEntry) | undefined;
  return {
    parser(chunk) {
      let values;
      try {
        values = splitter.push(chunk);
      } catch (error) {
        throw new ImportFormatError(`is not well-formed JSON (${error instanceof Error ? error.message : 'unreadable'})`);
      }
      for (const { text, line } of values) {
        let value: unknown;
        try {
          value = JSON.parse(text);
        } catch {
          tally.add({ leftOut: 'malformed', line, detail: 'is not well-formed JSON' });
          continue;
        }
        if (readEntry === undefined) {
          readEntry = jsonFormatOf(value);
          tally.format = readEntry === readSpotifyPlay ? 'spotify' : 'listenbrainz';
        }
        tally.add(readEntry(value, line));
      }
    },
    finish() {
      if (splitter.unfinished) throw new ImportFormatError('stops in the middle of a play (is the file complete?)');
      if (readEntry === undefined) throw new ImportFormatError('holds no plays');
    },
  };
}

/** Spotify's plays carry `ts` and `ms_played`; ListenBrainz's listens `listened_at` and `track_metadata`. */
function jsonFormatOf(value: unknown): (value: unknown, line: number) => ReadEntry {
  if (typeof value === 'object' && value !== null) {
    if ('ms_played' in value || 'ts' in value) return readSpotifyPlay;
    if ('listened_at' in value || 'track_metadata' in value) return readListen;
  }
  throw new ImportFormatError('is JSON, but neither a ListenBrainz export nor Spotify streaming history');
}

/** Counts what was read and keeps what Last.fm will take. */
class Tally {
  format: ImportFormat = 'lines';
  private read = 0;
  private readonly kept = new Map<string, ImportedPlay>();
  private readonly leftOut: Partial<Record<LeftOutReason, number>> = {};
  private readonly examples: LeftOutExample[] = [];
  private readonly oldest: number;
  private readonly newest: number;

  constructor(private readonly options: ImportOptions) {
    this.oldest = options.nowSeconds - SCROBBLE_WINDOW_SECONDS;
    this.newest = options.nowSeconds + FUTURE_SLACK_SECONDS;
  }

  add(entry: ReadEntry): void {
    this.read += 1;
    if ('leftOut' in entry) {
      this.leaveOut(entry.leftOut, entry.line, entry.detail);
      return;
    }
    const { play } = entry;
    const key = playKey(play);
    const reason = this.reasonToLeaveOut(play, key);
    if (reason === undefined) this.kept.set(key, play);
    else this.leaveOut(reason, play.line);
  }

  summary(): ImportSummary {
    const plays = [...this.kept.values()].sort((a, b) => a.timestamp - b.timestamp || a.line - b.line);
    return { format: this.format, read: this.read, plays, leftOut: { ...this.leftOut }, examples: [...this.examples] };
  }

  private reasonToLeaveOut(play: ImportedPlay, key: string): LeftOutReason | undefined {
    if (play.timestamp < this.oldest) return 'too-old';
    if (play.timestamp > this.newest) return 'in-future';
    if (this.kept.has(key)) return 'repeated-in-file';
    if (this.kept.size >= this.options.maxKept) return 'over-limit';
    return undefined;
  }

  private leaveOut(reason: LeftOutReason, line: number, detail?: string): void {
    this.leftOut[reason] = (this.leftOut[reason] ?? 0) + 1;
    if (reason === 'malformed' && this.examples.length < EXAMPLES_KEPT) this.examples.push({ reason, line, detail });
  }
}

/** Two plays are the same when artist, track and time agree (names compared as Last.fm does, ignoring case). */
export function playKey(play: { artist: string; track: string; timestamp: number }): string {
  return `${play.artist.toLowerCase()}\u0000${play.track.toLowerCase()}\u0000${play.timestamp}`;
}
