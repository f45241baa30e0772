import { SandboxApiError, missingParameter } from '../api-error';
import type { DemoAccount } from '../credentials';
import { itemKey } from '../library';
import { recentTracksAnswer, userInfoAnswer, type RecentTrackFacts } from '../shapes';
import { coverUrl } from './images';
import { required, type MethodCall, type SandboxMethod } from './types';

/** When the demo accounts "joined": fixed, so pages read the same every run. */
const REGISTERED = Date.UTC(2019, 2, 14) / 1000;

/** `user`, or for a signed call without one, the owner of its session key (as Last.fm does for user.getInfo). */
function knownAccount({ params, state, signedCall }: MethodCall, orSessionUser = false): DemoAccount {
  let name = required(params, 'user');
  if (name === undefined && orSessionUser && signedCall && required(params, 'sk') !== undefined) name = state.userOfSessionKey(params.sk);
  if (name === undefined) throw missingParameter('user');
  const account = state.account(name);
  if (account === undefined) throw new SandboxApiError(6, 'User not found');
  return account;
}

function whole(raw: string | undefined, fallback: number, min: number, max: number): number {
  const n = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new SandboxApiError(6, `Invalid parameters - expected a number from ${min} to ${max}`);
  return n;
}

const distinct = (values: string[]): number => new Set(values).size;

export const userInfo: SandboxMethod = {
  signed: false,
  handle: (call) => {
    const { state } = call;
    const account = knownAccount(call, true);
    const { scrobbles } = state.library.of(account.name);
    return userInfoAnswer({
      name: account.name,
      realname: account.realname,
      url: new URL('../../', state.imageBaseUrl).href,
      avatarUrl: `${state.imageBaseUrl}avatar-${account.name}.svg`,
      subscriber: account.subscriber,
      registered: REGISTERED,
      playcount: scrobbles.length,
      artistCount: distinct(scrobbles.map((s) => itemKey(s.artist))),
      albumCount: distinct(scrobbles.filter((s) => s.album !== undefined).map((s) => itemKey(s.artist, s.album ?? ''))),
      trackCount: distinct(scrobbles.map((s) => itemKey(s.artist, s.track))),
    });
  },
};

export const recentTracks: SandboxMethod = {
  signed: false,
  handle: (call) => {
    const { params, state } = call;
    const user = knownAccount(call).name;
    const limit = whole(params.limit, 50, 1, 200);
    const page = whole(params.page, 1, 1, 1_000_000);
    const from = whole(params.from, 0, 0, Number.MAX_SAFE_INTEGER);
    const to = whole(params.to, Number.MAX_SAFE_INTEGER, 0, Number.MAX_SAFE_INTEGER);
    const extended = params.extended === '1';
    const library = state.library.of(user);
    const track = (artist: string, name: string, album: string | undefined, playedAt: number | undefined): RecentTrackFacts => ({
      artist,
      name,
      album,
      imageUrl: coverUrl(state, artist, album),
      loved: extended ? library.loves.has(itemKey(artist, name)) : undefined,
      playedAt,
    });

    const tracks: RecentTrackFacts[] = [];
    const playing = library.nowPlaying;
    // The track playing now comes on top of `limit`, on the first page only, as on Last.fm.
    if (page === 1 && playing !== undefined && playing.until > state.now()) tracks.push(track(playing.artist, playing.track, playing.album, undefined));
    // Newest played first, as on Last.fm, however late an old play was sent.
    const inRange = library.scrobbles.filter((s) => s.timestamp >= from && s.timestamp <= to);
    const newestFirst = inRange.map((s, i) => ({ s, i })).sort((a, b) => b.s.timestamp - a.s.timestamp || b.i - a.i);
    for (const { s: scrobble } of newestFirst.slice((page - 1) * limit, page * limit)) {
      tracks.push(track(scrobble.artist, scrobble.track, scrobble.album, scrobble.timestamp));
    }
    return recentTracksAnswer({ user, page, perPage: limit, total: inRange.length, extended, tracks });
  },
};
