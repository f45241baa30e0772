import type { NextFunction, Request, Response } from 'express';
import type { Profile, RecentTrack } from 'lastfm-sign-in';
import { csrfToken } from '../csrf-token';
import { lastfmFailure } from '../failure-pages';
import type { OutboxView } from '../outbox/outbox-store';
import { HOME_LIMITS, type AccountHome, type AccountService, type HomePart } from '../services/account';
import type { Flash } from './flash';
import { calendarDate, relativeTime } from './relative-time';
import { RenderedPages, renderedPage, type RenderedPage } from './rendered-pages';
import { accountFor } from './signed-in';

/** What the home page shows for a track; times are already in words. */
interface TrackView extends RecentTrack {
  when: string;
  /** UTC ISO time for a <time datetime>. */
  isoTime: string | undefined;
}

interface ProfileView extends Profile {
  memberSince: string | undefined;
}

/** Renders the signed-in home page, with a one-time message or a refused form, reusing the last page when nothing it shows has changed. */
export type ShowHome = (req: Request, res: Response, next: NextFunction, flash: Flash | undefined, status: number) => Promise<void>;

/** The signed-in home page: the account's reads, put in words and rendered. */
export function createHomePage(accounts: AccountService, now: () => number): ShowHome {
  const pages = new RenderedPages();
  return async (req, res, next, flash, status) => {
    const home = await accountFor(accounts, req).home();
    const nowSeconds = Math.floor(now() / 1000);
    const recent = 'read' in home.recent ? home.recent.read.value.slice(0, HOME_LIMITS.recentTracks + 1) : [];
    const whens = recent.map((track) => (track.playedAt === undefined ? 'now playing' : relativeTime(track.playedAt, nowSeconds)));
    const fingerprint = flash === undefined && status === 200 ? fingerprintOf(home, [req.session.user?.name ?? '', csrfToken(req), ...whens]) : undefined;
    const kept = fingerprint === undefined ? undefined : pages.get(req.sessionID, fingerprint);
    if (kept !== undefined) {
      sendPage(res, kept);
      return;
    }
    res.status(status).render('home', { title: 'Your Last.fm', ...viewOf(home, recent, whens, nowSeconds), flash, ...formHelpers(flash) }, (error: Error | null, html: string) => {
      if (error) {
        next(error);
        return;
      }
      const page = renderedPage(html);
      if (fingerprint !== undefined) pages.set(req.sessionID, fingerprint, page);
      sendPage(res, page);
    });
  };
}

/**
 * The page is a function of the reads (same version and times stored: same values), the session's
 * form token and the times in words. A one-time message or a failed part is never reused.
 */
function fingerprintOf(home: AccountHome, rest: string[]): string | undefined {
  const parts = [home.profile, home.recent, home.tags];
  const loaded = parts.flatMap((part) => ('read' in part ? [part.read] : []));
  if (loaded.length !== parts.length) return undefined;
  return [home.version, ...loaded.map((read) => `${read.storedAt}${read.stale ? 's' : ''}`), ...rest, outboxFingerprint(home.outbox)].join('\u0000');
}

/** Everything the outbox part of the page shows changes this. */
function outboxFingerprint(view: OutboxView): string {
  return JSON.stringify([view.waiting, view.held, view.batches.map((batch) => [batch.batch, batch.done]), view.recent.map((item) => [item.id, item.state, item.tries, item.unanswered, item.reason])]);
}

function viewOf(home: AccountHome, recent: RecentTrack[], whens: string[], nowSeconds: number): Record<string, unknown> {
  const loaded = [home.profile, home.recent, home.tags].flatMap((part) => ('read' in part ? [part.read] : []));
  const staleSince = Math.min(...loaded.filter((read) => read.stale).map((read) => read.storedAt));
  const info = 'read' in home.profile ? home.profile.read.value : undefined;
  const profile: ProfileView | undefined = info === undefined ? undefined : { ...info, memberSince: validSeconds(info.registeredAt) ? calendarDate(info.registeredAt) : undefined };
  const tracks: TrackView[] = recent.map((track, i) => ({
    ...track,
    when: whens[i] ?? '',
    isoTime: validSeconds(track.playedAt) ? new Date(track.playedAt * 1000).toISOString() : undefined,
  }));
  const tags = 'read' in home.tags ? home.tags.read.value.slice(0, HOME_LIMITS.topTags) : [];
  const problems = { profile: problemOf(home.profile), recent: problemOf(home.recent), tags: problemOf(home.tags) };
  const stale = Number.isFinite(staleSince) ? relativeTime(Math.floor(staleSince / 1000), nowSeconds) : undefined;
  return { profile, tracks, tags, problems, stale, outbox: home.outbox };
}

/** A refused form shows again with what the person typed, and its message beside it rather than at the top. */
function formHelpers(flash: Flash | undefined): { typed: (form: string, name: string) => string; formError: (form: string) => string | undefined } {
  return {
    typed: (form, name) => (flash?.form === form ? (flash.values?.[name] ?? '') : ''),
    formError: (form) => (flash?.form === form ? flash.message : undefined),
  };
}

/** What went wrong with one part, in the words its error page would use. */
function problemOf(part: HomePart<unknown>): string | undefined {
  return 'failure' in part ? lastfmFailure(part.failure, 'account').message : undefined;
}

/** Last.fm has sent times no Date can hold; they are shown without a date rather than failing the page. */
function validSeconds(seconds: number | undefined): seconds is number {
  return seconds !== undefined && Number.isFinite(seconds) && Math.abs(seconds) < 8.64e12;
}

/** With its ETag already set, Express neither encodes the page again nor hashes it for one. */
function sendPage(res: Response, page: RenderedPage): void {
  res.type('html').set('ETag', page.etag).send(page.body);
}
