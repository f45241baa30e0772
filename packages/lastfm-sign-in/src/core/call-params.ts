/** What the write calls send: Last.fm's per-call limits and how items become parameters. */
import type { Params } from './signature';
import type { ScrobbleItem } from './user-data';

/** Last.fm takes at most this many scrobbles per call. */
export const MAX_SCROBBLES_PER_CALL = 50;
/** Last.fm takes at most this many tags per addTags call. */
export const MAX_TAGS_PER_CALL = 10;

export type TagTarget = { type: 'artist'; artist: string } | { type: 'album'; artist: string; album: string } | { type: 'track'; artist: string; track: string };

/** Indexed names (`artist[0]`…) for items already in the order they are to be sent. */
export function scrobbleParams(sessionKey: string, items: readonly ScrobbleItem[]): Params {
  const params: Params = { sk: sessionKey };
  items.forEach((item, i) => {
    params[`artist[${i}]`] = item.artist;
    params[`track[${i}]`] = item.track;
    params[`timestamp[${i}]`] = item.timestamp;
    params[`album[${i}]`] = item.album;
  });
  return params;
}

export function tagTargetParams(target: TagTarget): Params {
  switch (target.type) {
    case 'artist':
      return { artist: target.artist };
    case 'album':
      return { artist: target.artist, album: target.album };
    case 'track':
      return { artist: target.artist, track: target.track };
  }
}
