import { Router } from 'express';
import { HttpError } from '../errors';
import type { LastfmClient } from '../lastfm/client';
import type { Profile, RecentTrack, TopTag } from '../lastfm/user-data';
import { forAccount, type AccountDeps } from './account';
import { takeFlash } from './flash';
import { calendarDate, relativeTime } from './relative-time';

export interface AccountHomeDeps extends AccountDeps {
  lastfm: LastfmClient;
  now: () => number;
}

const RECENT_TRACKS = 10;

/** What the home page shows for a track; times are already in words. */
export interface TrackView extends RecentTrack {
  when: string;
  /** UTC ISO time for a <time datetime>. */
  isoTime: string | undefined;
}

export interface ProfileView extends Profile {
  memberSince: string | undefined;
}

/** The signed-in home: profile, recent tracks and the forms. Signed-out visitors fall through to the plain page. */
export function createAccountHomeRouter(deps: AccountHomeDeps): Router {
  const { lastfm, cache } = deps;
  const router = Router();

  router.get('/', async (req, res, next) => {
    const user = req.session.user;
    if (user === undefined) {
      next();
      return;
    }
    const flash = takeFlash(req);
    let profile: ProfileView | undefined;
    let tracks: TrackView[] = [];
    let tags: TopTag[] = [];
    let loadError: string | undefined;
    try {
      const [info, recent, topTags] = await forAccount(req, res, deps, () =>
        Promise.all([
          cache.get(user.name, 'profile', () => lastfm.getProfile(user.name)),
          cache.get(user.name, 'recent', () => lastfm.getRecentTracks(user.name, RECENT_TRACKS)),
          cache.get(user.name, 'tags', () => lastfm.getTopTags(user.name)),
        ]),
      );
      tags = topTags;
      const nowSeconds = Math.floor(deps.now() / 1000);
      profile = { ...info, memberSince: info.registeredAt === undefined ? undefined : calendarDate(info.registeredAt) };
      tracks = recent.map((track) => ({
        ...track,
        when: track.playedAt === undefined ? 'now playing' : relativeTime(track.playedAt, nowSeconds),
        isoTime: track.playedAt === undefined ? undefined : new Date(track.playedAt * 1000).toISOString(),
      }));
    } catch (error) {
      // A revoked key has already signed the person out: show that page, not a half-empty home.
      if (!(error instanceof HttpError) || error.status === 401) throw error;
      loadError = error.message;
    }
    // A form whose input was refused shows again with what the person typed.
    const typed = (form: string, name: string): string => (flash?.form === form ? (flash.values?.[name] ?? '') : '');
    res.render('home', { title: 'Your Last.fm', profile, tracks, tags, loadError, flash, typed });
  });

  return router;
}
