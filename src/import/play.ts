import { hasBrokenCharacter } from '../well-formed';

/** One play read from an import file, before anything is decided about it. */
export interface ImportedPlay {
  artist: string;
  track: string;
  album?: string | undefined;
  /** UTC seconds the play started, as Last.fm wants it. */
  timestamp: number;
  /** Where it was in the file (the line a play starts on), for messages. */
  line: number;
}

/** Why a play read from a file will not be sent. */
export type LeftOutReason =
  | 'too-old'
  | 'in-future'
  | 'skipped'
  | 'too-short'
  | 'podcast'
  | 'malformed'
  | 'repeated-in-file'
  | 'already-on-lastfm'
  | 'already-queued'
  | 'over-limit';

/** What each reason means, in a person's words. */
export const LEFT_OUT_WORDS: Readonly<Record<LeftOutReason, string>> = {
  'too-old': 'played more than 14 days ago (Last.fm ignores older scrobbles)',
  'in-future': 'played in the future (a wrong clock or time zone?)',
  skipped: 'marked as skipped by the player',
  'too-short': 'played for less than 30 seconds',
  podcast: 'podcasts, episodes and audiobooks',
  malformed: 'lines that could not be read',
  'repeated-in-file': 'the same play twice in the file',
  'already-on-lastfm': 'already in your Last.fm history',
  'already-queued': 'already waiting to be sent',
  'over-limit': 'more than one import can hold',
};

/** What reading one entry of a file gave: a play, or why there is none. */
export type ReadEntry = { play: ImportedPlay } | { leftOut: LeftOutReason; line: number; detail?: string };

/** Longest artist, track or album name taken, as on the forms. */
export const MAX_NAME_LENGTH = 256;

// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused here
const CONTROL = /[\u0000-\u001f\u007f]/;

/** A name as a file gives it, trimmed; undefined when missing, too long or not well-formed text. */
export function cleanName(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const name = value.trim();
  if (name === '' || name.length > MAX_NAME_LENGTH || hasBrokenCharacter(name) || CONTROL.test(name)) return undefined;
  return name;
}

export function malformed(line: number, detail: string): ReadEntry {
  return { leftOut: 'malformed', line, detail };
}
