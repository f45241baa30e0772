import { Router, type Response } from 'express';
import { HttpError } from '../errors';
import type { LastfmClient } from '../lastfm/client';
import type { Profile, RecentTrack, TopTag } from '../lastfm/user-data';
import { forAccount, type AccountDeps } from './account';
import { csrfToken } from '../middleware/csrf';
import { takeFlash } from './flash';
import { calendarDate, relativeTime } from './relative-time';
import { RenderedPages, renderedPage, type RenderedPage } from './rendered-pages';

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
  const pages = new RenderedPages();

  router.get('/', async (req, res, next) => {
    const user = req.session.user;
    if (user === undefined) {
      next();
      return;
    }
    const flash = takeFlash(req);
    let reads: [Profile, RecentTrack[], TopTag[]] | undefined;
    let loadError: string | undefined;
    const versionBefore = cache.version(user.name);
    const client = lastfm.forRequest(req.id);
    try {
      reads = await forAccount(req, res, deps, () =>
        Promise.all([
          cache.get(user.name, 'profile', () => client.getProfile(user.name)),
          cache.get(user.name, 'recent', () => client.getRecentTracks(user.name, RECENT_TRACKS)),
          cache.get(user.name, 'tags', () => client.getTopTags(user.name)),
        ]),
      );
    } catch (error) {
      // A revoked key has already signed the person out: show that page, not a half-empty home.
      if (!(error instanceof HttpError) || error.status === 401) throw error;
      loadError = error.message;
    }
    const nowSeconds = Math.floor(deps.now() / 1000);
    const whens = reads === undefined ? [] : reads[1].map((track) => (track.playedAt === undefined ? 'now playing' : relativeTime(track.playedAt, nowSeconds)));
    // The page is a function of the cached reads (same version: same values), the session's form
    // token and the times in words. A one-time message or a load error is never reused.
    const reusable = flash === undefined && reads !== undefined && versionBefore !== undefined && cache.version(user.name) === versionBefore;
    const fingerprint = reusable ? [versionBefore, user.name, csrfToken(req), ...whens].join('\u0000') : undefined;
    const rendered = fingerprint === undefined ? undefined : pages.get(req.sessionID, fingerprint);
    if (rendered !== undefined) {
      sendPage(res, rendered);
      return;
    }
    const [info, recent, tags] = reads ?? [undefined, [], []];
    const profile: ProfileView | undefined = info === undefined ? undefined : { ...info, memberSince: info.registeredAt === undefined ? undefined : calendarDate(info.registeredAt) };
    const tracks: TrackView[] = recent.map((track, i) => ({
      ...track,
      when: whens[i] ?? '',
      isoTime: track.playedAt === undefined ? undefined : new Date(track.playedAt * 1000).toISOString(),
    }));
    // A form whose input was refused shows again with what the person typed.
    const typed = (form: string, name: string): string => (flash?.form === form ? (flash.values?.[name] ?? '') : '');
    res.render('home', { title: 'Your Last.fm', profile, tracks, tags, loadError, flash, typed }, (error: Error | null, html: string) => {
      if (error) {
        next(error);
        return;
      }
      const page = renderedPage(html);
      if (fingerprint !== undefined) pages.set(req.sessionID, fingerprint, page);
      sendPage(res, page);
    });
  });

  return router;
}

/** With its ETag already set, Express neither encodes the page again nor hashes it for one. */
function sendPage(res: Response, page: RenderedPage): void {
  res.type('html').set('ETag', page.etag).send(page.body);
}
