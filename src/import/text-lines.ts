import { hasBrokenCharacter } from '../well-formed';
import { batchLineParts } from '../routes/track-input';
import { malformed, type ReadEntry } from './play';

/**
 * One line of the batch form's format ("Artist - Track | album | time", or CSV columns). An import
 * keeps the times played, so a line without a time is left out rather than given one.
 */
export function readLinesEntry(text: string, line: number, csv: boolean): ReadEntry | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused here
  if (hasBrokenCharacter(trimmed) || /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(trimmed)) return malformed(line, 'holds characters that are not text');
  const parts = batchLineParts(trimmed.replace(/^\uFEFF/, ''), csv);
  if (typeof parts === 'string') return malformed(line, parts);
  if (parts.time === undefined) return malformed(line, 'has no time played (an import keeps the times played; the batch form takes lines without one)');
  return { play: { artist: parts.artist, track: parts.track, album: parts.album, timestamp: parts.time, line } };
}
