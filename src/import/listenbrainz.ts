import { cleanName, malformed, type ReadEntry } from './play';

/** One listen of a ListenBrainz export: `listened_at` (unix seconds) and `track_metadata`. */
export function readListen(value: unknown, line: number): ReadEntry {
  if (typeof value !== 'object' || value === null) return malformed(line, 'is not a listen');
  const { listened_at: listenedAt, track_metadata: metadata } = value as Record<string, unknown>;
  if (typeof metadata !== 'object' || metadata === null) return malformed(line, 'has no track_metadata');
  const { artist_name: artistName, track_name: trackName, release_name: releaseName } = metadata as Record<string, unknown>;
  const artist = cleanName(artistName);
  const track = cleanName(trackName);
  if (artist === undefined || track === undefined) return malformed(line, 'has no readable artist_name or track_name');
  if (typeof listenedAt !== 'number' || !Number.isInteger(listenedAt) || listenedAt < 0) return malformed(line, 'has no listened_at in unix seconds');
  return { play: { artist, track, album: releaseName === null || releaseName === undefined || releaseName === '' ? undefined : cleanName(releaseName), timestamp: listenedAt, line } };
}
