import { SCROBBLE_WINDOW_SECONDS } from '../../../core/protocol-limits';
import type { Answer } from '../answer';
import { SandboxApiError, missingParameter } from '../api-error';
import { itemKey } from '../library';
import { doneAnswer, nowPlayingAnswer, scrobblesAnswer, type ScrobbleFacts } from '../shapes';
import { required, type MethodCall, type SandboxMethod } from './types';

/** Last.fm ignores scrobbles from further ahead than this (code 4), as it does ones older than SCROBBLE_WINDOW_SECONDS (code 3). */
const TOO_NEW_SECONDS = 10 * 60;
/** And more than this many in a day (code 5). */
const DAILY_LIMIT = 3000;
/** Now playing lasts this long when no duration is given. */
const DEFAULT_NOW_PLAYING_MS = 5 * 60 * 1000;

function need(params: Record<string, string>, name: string): string {
  const value = required(params, name);
  if (value === undefined) throw missingParameter(name);
  return value;
}

export function love(loved: boolean): SandboxMethod {
  return {
    signed: true,
    postOnly: true,
    handle: ({ params, state }) => {
      const user = state.userOfSessionKey(params.sk);
      const key = itemKey(need(params, 'artist'), need(params, 'track'));
      const { loves } = state.library.of(user);
      if (loved) loves.add(key);
      else loves.delete(key);
      return doneAnswer();
    },
  };
}

/** `artist[i]`… for a batch; plain `artist`… for a single scrobble. */
function scrobbleParams(params: Record<string, string>): { artist: string | undefined; track: string | undefined; timestamp: string | undefined; album: string | undefined }[] {
  if (params['artist[0]'] === undefined) return [{ artist: params.artist, track: params.track, timestamp: params.timestamp, album: params.album }];
  const items = [];
  for (let i = 0; params[`artist[${i}]`] !== undefined; i += 1) {
    items.push({ artist: params[`artist[${i}]`], track: params[`track[${i}]`], timestamp: params[`timestamp[${i}]`], album: params[`album[${i}]`] });
  }
  return items;
}

function scrobble({ params, state }: MethodCall): Answer {
  const user = state.userOfSessionKey(params.sk);
  const items = scrobbleParams(params);
  if (items.length > 50) throw new SandboxApiError(6, 'Invalid parameters - at most 50 scrobbles per call');
  const nowSeconds = Math.floor(state.now() / 1000);
  const library = state.library.of(user);
  let today = library.scrobbles.filter((s) => s.timestamp > nowSeconds - 86_400).length;
  const answers = items.map((item, i): ScrobbleFacts => {
    const suffix = params['artist[0]'] === undefined ? '' : `[${i}]`;
    if (item.artist === undefined || item.artist === '') throw missingParameter(`artist${suffix}`);
    if (item.track === undefined || item.track === '') throw missingParameter(`track${suffix}`);
    if (item.timestamp === undefined || !/^\d+$/.test(item.timestamp)) throw missingParameter(`timestamp${suffix}`);
    const timestamp = Number(item.timestamp);
    const album = item.album === '' ? undefined : item.album;
    let code = 0;
    if (timestamp < nowSeconds - SCROBBLE_WINDOW_SECONDS) code = 3;
    else if (timestamp > nowSeconds + TOO_NEW_SECONDS) code = 4;
    else if (today >= DAILY_LIMIT) code = 5;
    if (code === 0) {
      state.library.addScrobble(user, { artist: item.artist, track: item.track, album, timestamp });
      today += 1;
    }
    return { artist: item.artist, track: item.track, album, timestamp, ignoredCode: code };
  });
  return scrobblesAnswer(answers);
}

export const updateNowPlaying: SandboxMethod = {
  signed: true,
  postOnly: true,
  handle: ({ params, state }) => {
    const user = state.userOfSessionKey(params.sk);
    const artist = need(params, 'artist');
    const track = need(params, 'track');
    const album = required(params, 'album');
    const duration = Number(params.duration ?? '');
    const lasts = Number.isInteger(duration) && duration > 0 ? duration * 1000 : DEFAULT_NOW_PLAYING_MS;
    state.library.of(user).nowPlaying = { artist, track, album, until: state.now() + lasts };
    return nowPlayingAnswer({ artist, track, album });
  },
};

export const scrobbleMethod: SandboxMethod = { signed: true, postOnly: true, handle: scrobble };
