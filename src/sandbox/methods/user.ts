import type { Json } from '../../lastfm/parse';
import { SandboxApiError, missingParameter } from '../api-error';
import { itemKey } from '../library';
import type { SandboxState } from '../state';
import { coverUrl, imageList } from './images';
import { topTagsMethod } from './tags';
import { required, type SandboxMethod } from './types';

/** When the demo accounts "joined": fixed, so pages read the same every run. */
const REGISTERED = Date.UTC(2019, 2, 14) / 1000;

function knownUser(state: SandboxState, params: Record<string, string>): string {
  const name = required(params, 'user');
  if (name === undefined) throw missingParameter('user');
  const account = state.account(name);
  if (account === undefined) throw new SandboxApiError(6, 'User not found');
  return account.name;
}

/** Last.fm's one-object-or-array quirk: a list of one is sent as the object itself. */
function oneOrMany(items: Json[]): Json {
  return items.length === 1 ? (items[0] ?? null) : items;
}

function whole(raw: string | undefined, fallback: number, min: number, max: number): number {
  const n = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new SandboxApiError(6, `Invalid parameters - expected a number from ${min} to ${max}`);
  return n;
}

export const userMethods: Record<string, SandboxMethod> = {
  'user.getTopTags': topTagsMethod,

  'user.getInfo': {
    signed: false,
    handle: ({ params, state }) => {
      const account = state.account(knownUser(state, params));
      if (account === undefined) throw new SandboxApiError(6, 'User not found');
      const library = state.library.of(account.name);
      return {
        user: {
          name: account.name,
          realname: account.realname,
          url: new URL('../../sandbox/', state.imageBaseUrl).href,
          country: 'None',
          // Counts come as strings here, as on Last.fm.
          playcount: String(library.scrobbles.length),
          subscriber: account.subscriber ? '1' : '0',
          image: imageList(`${state.imageBaseUrl}avatar-${account.name}.svg`),
          registered: { unixtime: String(REGISTERED), '#text': REGISTERED },
        },
      };
    },
  },

  'user.getRecentTracks': {
    signed: false,
    handle: ({ params, state }) => {
      const user = knownUser(state, params);
      const limit = whole(params.limit, 50, 1, 200);
      const page = whole(params.page, 1, 1, 1_000_000);
      const extended = params.extended === '1';
      const library = state.library.of(user);
      const describe = (artist: string, track: string, album: string | undefined, extra: Record<string, Json>): Json => ({
        artist: extended ? { name: artist, url: '', image: imageList(undefined) } : { '#text': artist, mbid: '' },
        name: track,
        album: album === undefined ? { mbid: '' } : { '#text': album, mbid: '' },
        image: imageList(coverUrl(state, artist, album)),
        url: '',
        streamable: '0',
        ...(extended ? { loved: library.loves.has(itemKey(artist, track)) ? '1' : '0' } : {}),
        ...extra,
      });

      const items: Json[] = [];
      const playing = library.nowPlaying;
      if (page === 1 && playing !== undefined && playing.until > state.now()) {
        items.push(describe(playing.artist, playing.track, playing.album, { '@attr': { nowplaying: 'true' } }));
      }
      const newestFirst = [...library.scrobbles].reverse().slice((page - 1) * limit, page * limit);
      for (const scrobble of newestFirst) {
        const date = new Date(scrobble.timestamp * 1000).toUTCString().slice(5, 22);
        items.push(describe(scrobble.artist, scrobble.track, scrobble.album, { date: { uts: String(scrobble.timestamp), '#text': date } }));
      }
      const total = library.scrobbles.length;
      return {
        recenttracks: {
          track: oneOrMany(items),
          '@attr': { user, page: String(page), perPage: String(limit), totalPages: String(Math.max(1, Math.ceil(total / limit))), total: String(total) },
        },
      };
    },
  },
};
