import { Router, type ErrorRequestHandler, type NextFunction, type Request, type Response } from 'express';
import { lastfmFor } from './caller';
import { HttpError } from '../errors';
import type { LastfmClient } from '../lastfm/client';
import type { CachedRead } from '../lastfm/read-cache';
import type { Profile, RecentTrack } from '../lastfm/user-data';
import { forAccount, wantsJson, type AccountDeps } from './account';
import { InputError } from './input';
import type { OutboxView } from '../outbox/outbox-store';
import type { ScrobbleOutbox } from '../outbox/scrobble-outbox';
import { csrfToken } from '../middleware/csrf';
import { takeFlash, type Flash } from './flash';
import { calendarDate, relativeTime } from './relative-time';
import { RenderedPages, renderedPage, type RenderedPage } from './rendered-pages';

export interface AccountHomeDeps extends AccountDeps {
  lastfm: LastfmClient;
  now: () => number;
  outbox: ScrobbleOutbox;
}

/** Scrobbles the home page lists: all waiting first, then the latest answered. */
const OUTBOX_ITEMS = 20;

const RECENT_TRACKS = 10;
const TOP_TAGS = 20;

/** What the home page shows for a track; times are already in words. */
export interface TrackView extends RecentTrack {
  when: string;
  /** UTC ISO time for a <time datetime>. */
  isoTime: string | undefined;
}

export interface ProfileView extends Profile {
  memberSince: string | undefined;
}

/**
 * The signed-in home: profile, recent tracks and the forms. Signed-out visitors fall through to
 * the plain page. `formErrors` goes at the edge: a form's refused input shows the home page again
 * (400) with the message beside that form and what was typed.
 */
export function createAccountHome(deps: AccountHomeDeps): { router: Router; formErrors: ErrorRequestHandler } {
  const { lastfm, cache } = deps;
  const router = Router();
  const pages = new RenderedPages();

  router.get('/', async (req, res, next) => {
    if (req.session.user === undefined) {
      next();
      return;
    }
    await show(req, res, next, takeFlash(req), 200);
  });

  const formErrors: ErrorRequestHandler = (error: unknown, req, res, next) => {
    if (!(error instanceof InputError) || error.form === undefined || req.session.user === undefined || wantsJson(req)) {
      next(error);
      return;
    }
    show(req, res, next, { kind: 'error', message: error.message, details: [], form: error.form, values: error.values ?? {} }, 400).catch(next);
  };

  async function show(req: Request, res: Response, next: NextFunction, flash: Flash | undefined, status: number): Promise<void> {
    const user = req.session.user;
    if (user === undefined) return;
    const client = lastfmFor(lastfm, req);
    const reads = await cache.open(user.name);
    // Each part stands or falls alone: a failed profile read must not blank the tracks.
    const [outbox, profilePart, recentPart, tagsPart] = await Promise.all([
      deps.outbox.view(user.name, OUTBOX_ITEMS),
      part(req, res, deps, () => reads.get('profile', () => client.getProfile(user.name))),
      part(req, res, deps, () => reads.get('recent', () => client.getRecentTracks(user.name, RECENT_TRACKS))),
      part(req, res, deps, () => reads.get('tags', () => client.getTopTags(user.name, TOP_TAGS))),
    ]);
    // A revoked key has already signed the person out: show that page, not a half-empty home.
    for (const result of [profilePart, recentPart, tagsPart]) if ('signedOut' in result) throw result.signedOut;

    const nowSeconds = Math.floor(deps.now() / 1000);
    const recent = 'read' in recentPart ? recentPart.read.value.slice(0, RECENT_TRACKS + 1) : [];
    const whens = recent.map((track) => (track.playedAt === undefined ? 'now playing' : relativeTime(track.playedAt, nowSeconds)));
    const parts = [profilePart, recentPart, tagsPart];
    const loaded = parts.flatMap((result) => ('read' in result ? [result.read] : []));
    const staleSince = Math.min(...loaded.filter((read) => read.stale).map((read) => read.storedAt));
    // The page is a function of the reads (same version and times stored: same values), the
    // session's form token and the times in words. A one-time message or a failed part is never reused.
    const reusable = flash === undefined && loaded.length === parts.length;
    const fingerprint = reusable ? [reads.version, ...loaded.map((read) => `${read.storedAt}${read.stale ? 's' : ''}`), user.name, csrfToken(req), ...whens, outboxFingerprint(outbox)].join('\u0000') : undefined;
    const rendered = fingerprint === undefined || status !== 200 ? undefined : pages.get(req.sessionID, fingerprint);
    if (rendered !== undefined) {
      sendPage(res, rendered);
      return;
    }
    const info = 'read' in profilePart ? profilePart.read.value : undefined;
    const profile: ProfileView | undefined = info === undefined ? undefined : { ...info, memberSince: validSeconds(info.registeredAt) ? calendarDate(info.registeredAt) : undefined };
    const tracks: TrackView[] = recent.map((track, i) => ({
      ...track,
      when: whens[i] ?? '',
      isoTime: validSeconds(track.playedAt) ? new Date(track.playedAt * 1000).toISOString() : undefined,
    }));
    const tags = 'read' in tagsPart ? tagsPart.read.value.slice(0, TOP_TAGS) : [];
    const problems = { profile: problemOf(profilePart), recent: problemOf(recentPart), tags: problemOf(tagsPart) };
    const stale = Number.isFinite(staleSince) ? relativeTime(Math.floor(staleSince / 1000), nowSeconds) : undefined;
    // A form whose input was refused shows again with what the person typed.
    const typed = (form: string, name: string): string => (flash?.form === form ? (flash.values?.[name] ?? '') : '');
    // The message of a refused form goes beside that form, not at the top.
    const formError = (form: string): string | undefined => (flash?.form === form ? flash.message : undefined);
    res.status(status).render('home', { title: 'Your Last.fm', profile, tracks, tags, problems, stale, flash, typed, formError, outbox }, (error: Error | null, html: string) => {
      if (error) {
        next(error);
        return;
      }
      const page = renderedPage(html);
      if (fingerprint !== undefined && status === 200) pages.set(req.sessionID, fingerprint, page);
      sendPage(res, page);
    });
  }

  return { router, formErrors };
}

/** Everything the outbox part of the page shows changes this. */
function outboxFingerprint(view: OutboxView): string {
  return JSON.stringify([view.waiting, view.held, view.batches.map((batch) => [batch.batch, batch.done]), view.recent.map((item) => [item.id, item.state, item.tries, item.unanswered, item.reason])]);
}

type Part<T> = { read: CachedRead<T> } | { problem: string } | { signedOut: HttpError };

/** One read of the page: its value, what went wrong in words, or the sign-out a revoked key caused. */
async function part<T>(req: Request, res: Response, deps: AccountDeps, load: () => Promise<CachedRead<T>>): Promise<Part<T>> {
  try {
    return { read: await forAccount(req, res, deps, load) };
  } catch (error) {
    if (!(error instanceof HttpError)) throw error;
    return error.status === 401 ? { signedOut: error } : { problem: error.message };
  }
}

/** Last.fm has sent times no Date can hold; they are shown without a date rather than failing the page. */
function validSeconds(seconds: number | undefined): seconds is number {
  return seconds !== undefined && Number.isFinite(seconds) && Math.abs(seconds) < 8.64e12;
}

function problemOf(result: Part<unknown>): string | undefined {
  return 'problem' in result ? result.problem : undefined;
}

/** With its ETag already set, Express neither encodes the page again nor hashes it for one. */
function sendPage(res: Response, page: RenderedPage): void {
  res.type('html').set('ETag', page.etag).send(page.body);
}
