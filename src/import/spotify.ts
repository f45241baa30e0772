import { cleanName, malformed, type ReadEntry } from './play';

/** Last.fm's rule for what counts as a play, and the issue's: 30 seconds or more. */
const MIN_PLAYED_MS = 30_000;

/**
 * One entry of Spotify's extended streaming history (`Streaming_History_Audio_*.json`, older
 * `endsong_*.json`). `ts` is when the stream ended; Last.fm wants when it started, so the time
 * played is taken off.
 */
export function readSpotifyPlay(value: unknown, line: number): ReadEntry {
  if (typeof value !== 'object' || value === null) return malformed(line, 'is not a play');
  const entry = value as Record<string, unknown>;
  const ts = entry.ts;
  const played = entry.ms_played;
  if (typeof ts !== 'string' || typeof played !== 'number' || played < 0) return malformed(line, 'has no ts or ms_played');
  const ended = Date.parse(ts);
  if (Number.isNaN(ended)) return malformed(line, 'has a ts that is not a date and time');
  const trackName = entry.master_metadata_track_name;
  if (trackName === null || trackName === undefined) {
    if (isSet(entry.episode_name) || isSet(entry.spotify_episode_uri) || isSet(entry.audiobook_title)) return { leftOut: 'podcast', line };
    return malformed(line, 'has no master_metadata_track_name');
  }
  const artist = cleanName(entry.master_metadata_album_artist_name);
  const track = cleanName(trackName);
  if (artist === undefined || track === undefined) return malformed(line, 'has no readable artist or track name');
  if (played < MIN_PLAYED_MS) return { leftOut: 'too-short', line };
  const album = entry.master_metadata_album_album_name;
  return { play: { artist, track, album: isSet(album) ? cleanName(album) : undefined, timestamp: Math.floor((ended - played) / 1000), line } };
}

function isSet(value: unknown): boolean {
  return value !== null && value !== undefined && value !== '';
}
