import { LastfmUnavailableError } from './errors';
import { asList, field, integer, isObject, text, type Json, type JsonObject } from './parse';

/** Typed results of the calls a signed-in person makes, parsed by hand from Last.fm's XML-shaped JSON. */

export interface Profile {
  name: string;
  realName: string | undefined;
  url: string | undefined;
  country: string | undefined;
  playCount: number;
  avatarUrl: string | undefined;
  /** UTC seconds. */
  registeredAt: number | undefined;
}

export interface RecentTrack {
  artist: string;
  name: string;
  album: string | undefined;
  imageUrl: string | undefined;
  url: string | undefined;
  nowPlaying: boolean;
  /** UTC seconds; undefined for the track playing now. */
  playedAt: number | undefined;
  loved: boolean;
}

export interface ScrobbleItem {
  artist: string;
  track: string;
  album?: string | undefined;
  /** UTC seconds. */
  timestamp: number;
}

export type IgnoredCode = 0 | 1 | 2 | 3 | 4 | 5;

export interface ScrobbleOutcome {
  artist: string;
  track: string;
  timestamp: number | undefined;
  ignored: boolean;
  ignoredCode: number;
  ignoredReason: string | undefined;
}

export interface ScrobbleResult {
  accepted: number;
  ignored: number;
  items: ScrobbleOutcome[];
}

export interface NowPlayingResult {
  ignored: boolean;
  ignoredReason: string | undefined;
}

const IGNORED_REASONS: Readonly<Record<number, string>> = {
  1: 'Last.fm ignored the artist name',
  2: 'Last.fm ignored the track name',
  3: 'the time played is too old (more than about 14 days ago)',
  4: 'the time played is too far in the future',
  5: 'the daily scrobble limit was reached',
};

/** ignoredMessage codes in words; 0 means not ignored. */
export function ignoredReason(code: number): string | undefined {
  if (code === 0) return undefined;
  return IGNORED_REASONS[code] ?? `Last.fm ignored it (code ${code})`;
}

/**
 * A URL from an answer that may become a link or an image: http(s) only, so a `javascript:` or
 * `data:` value is dropped here rather than left for the CSP to stop.
 */
export function webUrl(value: string | undefined): string | undefined {
  if (value === undefined || !URL.canParse(value)) return undefined;
  const url = new URL(value);
  return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : undefined;
}

/** Image arrays hold one entry per size; the largest one with a URL wins. */
function largestImage(value: Json | undefined): string | undefined {
  const urls = asList(value)
    .map((image) => webUrl(text(image)))
    .filter((url): url is string => url !== undefined);
  return urls[urls.length - 1];
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

export function parseProfile(body: JsonObject): Profile {
  const user = body.user;
  const name = nonEmpty(text(field(user, 'name')));
  if (name === undefined) throw new LastfmUnavailableError('unexpected-shape', 'user.getInfo', { detail: 'no user name' });
  const registered = field(user, 'registered');
  return {
    name,
    realName: nonEmpty(text(field(user, 'realname'))),
    url: webUrl(text(field(user, 'url'))),
    // Last.fm writes "None" when the person gave no country.
    country: nonEmpty(text(field(user, 'country'))?.replace(/^None$/, '')),
    playCount: integer(field(user, 'playcount')) ?? 0,
    avatarUrl: largestImage(field(user, 'image')),
    // `registered` is {"unixtime": "…", "#text": …} or, in some answers, a bare number.
    registeredAt: integer(field(registered, 'unixtime')) ?? integer(registered),
  };
}

/**
 * Newest first, at most as many as were asked for: Last.fm puts a track playing now on top of
 * `limit` (ask for 10, get 11), so the oldest is dropped to keep to `perPage`, its echo of `limit`.
 */
export function parseRecentTracks(body: JsonObject): RecentTrack[] {
  const tracks = readRecentTracks(body);
  const perPage = integer(field(field(body.recenttracks, '@attr'), 'perPage'));
  return perPage !== undefined && perPage > 0 ? tracks.slice(0, perPage) : tracks;
}

/** Every track of the answer, the now-playing one (which comes on top of `limit`) included. */
function readRecentTracks(body: JsonObject): RecentTrack[] {
  const tracks: RecentTrack[] = [];
  for (const item of asList(field(body.recenttracks, 'track'))) {
    if (!isObject(item)) continue;
    // extended=1 gives the artist as {"name": …}; plain answers as {"#text": …}.
    const artist = nonEmpty(text(field(item.artist, 'name'))) ?? nonEmpty(text(item.artist));
    const name = nonEmpty(text(item.name));
    if (artist === undefined || name === undefined) continue;
    const nowPlaying = text(field(item['@attr'], 'nowplaying')) === 'true';
    tracks.push({
      artist,
      name,
      album: nonEmpty(text(item.album)),
      imageUrl: largestImage(item.image),
      url: webUrl(text(item.url)),
      nowPlaying,
      playedAt: nowPlaying ? undefined : integer(field(item.date, 'uts')),
      loved: integer(item.loved) === 1,
    });
  }
  return tracks;
}

/** A page of past scrobbles (the now-playing track left out) and how many pages the range has. */
export interface ScrobblePage {
  scrobbles: { artist: string; track: string; playedAt: number }[];
  totalPages: number;
}

export function parseScrobblePage(body: JsonObject): ScrobblePage {
  const scrobbles = readRecentTracks(body).flatMap((track) => (track.playedAt === undefined ? [] : [{ artist: track.artist, track: track.name, playedAt: track.playedAt }]));
  return { scrobbles, totalPages: integer(field(field(body.recenttracks, '@attr'), 'totalPages')) ?? 0 };
}

export function parseScrobbleResult(body: JsonObject): ScrobbleResult {
  const scrobbles = body.scrobbles;
  if (!isObject(scrobbles)) throw new LastfmUnavailableError('unexpected-shape', 'track.scrobble', { detail: 'no scrobbles' });
  const items = asList(scrobbles.scrobble).filter(isObject).map((item): ScrobbleOutcome => {
    const code = integer(field(item.ignoredMessage, 'code')) ?? 0;
    return {
      artist: text(item.artist) ?? '',
      track: text(item.track) ?? '',
      timestamp: integer(item.timestamp),
      ignored: code !== 0,
      ignoredCode: code,
      ignoredReason: ignoredReason(code),
    };
  });
  const attr = scrobbles['@attr'];
  return {
    accepted: integer(field(attr, 'accepted')) ?? items.filter((item) => !item.ignored).length,
    ignored: integer(field(attr, 'ignored')) ?? items.filter((item) => item.ignored).length,
    items,
  };
}

export function parseNowPlaying(body: JsonObject): NowPlayingResult {
  if (!isObject(body.nowplaying)) throw new LastfmUnavailableError('unexpected-shape', 'track.updateNowPlaying', { detail: 'no nowplaying' });
  const code = integer(field(body.nowplaying.ignoredMessage, 'code')) ?? 0;
  return { ignored: code !== 0, ignoredReason: ignoredReason(code) };
}

export interface TopTag {
  name: string;
  count: number;
}

export function parseTopTags(body: JsonObject): TopTag[] {
  const tags: TopTag[] = [];
  for (const item of asList(field(body.toptags, 'tag'))) {
    const name = nonEmpty(text(field(item, 'name')));
    if (name !== undefined) tags.push({ name, count: integer(field(item, 'count')) ?? 0 });
  }
  return tags;
}
