import type { Express } from 'express';
import request from 'supertest';
import type { Clock } from 'lastfm-sign-in';
import { csrfFrom } from './app';
import type { FakeLastfm, RecordedRequest } from './fake-lastfm';

/** A clock whose sleeps return at once and move time on; `delays` records every wait asked for. */
export function instantClock(start = Date.UTC(2026, 10, 23, 12)): Clock & { delays: number[]; advance(ms: number): void } {
  let now = start;
  const delays: number[] = [];
  return {
    delays,
    now: () => now,
    sleep: (ms) => {
      delays.push(ms);
      now += ms;
      return Promise.resolve();
    },
    advance: (ms) => {
      now += ms;
    },
  };
}

/** What the fake remembers per user, so tests can see the app's writes arrive. */
export interface FakeLibrary {
  loves: Set<string>;
  tags: string[];
}

const missing = (name: string): [number, unknown] => [400, { error: 6, message: `Invalid parameters - missing ${name}` }];

/**
 * Teaches the fake the signed-in methods with Last.fm's answer shapes. Writes insist on a POST
 * with a known session key (9 otherwise), as Last.fm does.
 */
export function teachAccountMethods(fake: FakeLastfm): Map<string, FakeLibrary> {
  const libraries = new Map<string, FakeLibrary>();
  const library = (user: string): FakeLibrary => {
    let lib = libraries.get(user);
    if (lib === undefined) {
      lib = { loves: new Set(), tags: [] };
      libraries.set(user, lib);
    }
    return lib;
  };
  const write = (handle: (user: string, params: Record<string, string>) => [number, unknown]) => (params: Record<string, string>, recorded: RecordedRequest): [number, unknown] => {
    if (recorded.httpMethod !== 'POST') return [403, { error: 4, message: 'This method must be called with POST' }];
    const user = fake.sessionKeys.get(params.sk ?? '');
    if (user === undefined) return [403, { error: 9, message: 'Invalid session key - Please re-authenticate' }];
    return handle(user, params);
  };

  fake.onMethod('user.getInfo', (params) => [
    200,
    {
      user: {
        name: params.user ?? '',
        realname: 'Richard Jones',
        url: `https://www.last.fm/user/${params.user ?? ''}`,
        country: 'United Kingdom',
        playcount: '1234',
        image: [
          { size: 'small', '#text': 'https://lastfm.freetls.fastly.net/i/u/34s/avatar.png' },
          { size: 'extralarge', '#text': 'https://lastfm.freetls.fastly.net/i/u/300x300/avatar.png' },
        ],
        registered: { unixtime: '1037793040', '#text': 1037793040 },
      },
    },
  ]);
  fake.onMethod('user.getRecentTracks', (params) => {
    const loves = library(params.user ?? '').loves;
    return [
      200,
      {
        recenttracks: {
          track: [
            { artist: { name: 'Björk' }, name: 'Jóga', album: { '#text': 'Homogenic' }, image: [{ size: 'large', '#text': 'https://lastfm.freetls.fastly.net/i/u/174s/cover.png' }], '@attr': { nowplaying: 'true' }, loved: loves.has('Björk\u0000Jóga') ? '1' : '0' },
            { artist: { name: 'AC/DC' }, name: 'T.N.T.', album: {}, image: [{ size: 'large' }], date: { uts: String(Math.floor(Date.now() / 1000) - 7200), '#text': '' }, loved: loves.has('AC/DC\u0000T.N.T.') ? '1' : '0' },
          ],
          '@attr': { user: params.user ?? '', page: '1', total: '2' },
        },
      },
    ];
  });
  fake.onMethod('user.getTopTags', (params) => [200, { toptags: { tag: library(params.user ?? '').tags.map((name) => ({ name, count: 1 })), '@attr': { user: params.user ?? '' } } }]);
  fake.onMethod(
    'track.love',
    write((user, params) => {
      if (params.artist === undefined || params.track === undefined) return missing('artist/track');
      library(user).loves.add(`${params.artist}\u0000${params.track}`);
      return [200, {}];
    }),
  );
  fake.onMethod(
    'track.unlove',
    write((user, params) => {
      library(user).loves.delete(`${params.artist ?? ''}\u0000${params.track ?? ''}`);
      return [200, {}];
    }),
  );
  fake.onMethod(
    'track.updateNowPlaying',
    write((_user, params) => [200, { nowplaying: { artist: { corrected: '0', '#text': params.artist ?? '' }, track: { corrected: '0', '#text': params.track ?? '' }, ignoredMessage: { code: '0', '#text': '' } } }]),
  );
  fake.onMethod(
    'track.scrobble',
    write((_user, params) => {
      const items = [];
      for (let i = 0; params[`artist[${i}]`] !== undefined; i += 1) {
        items.push({ artist: { corrected: '0', '#text': params[`artist[${i}]`] }, track: { corrected: '0', '#text': params[`track[${i}]`] }, timestamp: params[`timestamp[${i}]`], ignoredMessage: { code: '0', '#text': '' } });
      }
      return [200, { scrobbles: { scrobble: items.length === 1 ? items[0] : items, '@attr': { accepted: items.length, ignored: 0 } } }];
    }),
  );
  for (const type of ['artist', 'album', 'track']) {
    fake.onMethod(
      `${type}.addTags`,
      write((user, params) => {
        library(user).tags.push(...(params.tags ?? '').split(','));
        return [200, {}];
      }),
    );
    fake.onMethod(
      `${type}.removeTag`,
      write((user, params) => {
        const lib = library(user);
        lib.tags = lib.tags.filter((tag) => tag !== params.tag);
        return [200, {}];
      }),
    );
  }
  return libraries;
}

/** Signs `user` in through the web flow against the fake; returns the agent and a CSRF token from the home page. */
export async function signedInAgent(app: Express, fake: FakeLastfm, user = 'rj'): Promise<{ agent: ReturnType<typeof request.agent>; csrf: string; sessionKey: string }> {
  const agent = request.agent(app);
  const login = await agent.get('/auth/login').expect(303);
  const callback = new URL(new URL(login.headers.location as string).searchParams.get('cb') ?? '');
  const state = callback.searchParams.get('state') ?? '';
  await agent.get(`/auth/callback?state=${state}&token=${fake.approveToken(user)}`).expect(303);
  const keys = [...fake.sessionKeys].filter(([, name]) => name === user).map(([key]) => key);
  const home = await agent.get('/').expect(200);
  return { agent, csrf: csrfFrom(home.text), sessionKey: keys[keys.length - 1] ?? '' };
}
