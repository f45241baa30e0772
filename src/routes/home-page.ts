import type { NextFunction, Request, Response } from 'express';
import type { Profile, RecentTrack } from 'lastfm-sign-in';
import { csrfToken } from '../csrf-token';
import { lastfmFailure } from '../failure-pages';
import type { OutboxView } from '../outbox/outbox-store';
import { HELD_REASON } from '../outbox/delivery-outcome';
import { HOME_LIMITS, type AccountHome, type AccountService, type HomePart } from '../services/account';
import type { Flash } from './flash';
import { calendarDate, relativeTime } from './relative-time';
import { RenderedPages, renderedPage, type RenderedPage } from './rendered-pages';
import { signedInUser } from '../signed-in-user';
import { accountFor } from './signed-in';
import { withoutErrorNumbers } from './without-error-numbers';

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
export function createHomePage(accounts: AccountService, now: () => number, outboxRetryMaxMs: number): ShowHome {
  const pages = new RenderedPages();
  return async (req, res, next, flash, status) => {
    const outboxPage = outboxPageOf(req.query['outbox']);
    const home = await accountFor(accounts, req).home(outboxPage);
    const nowSeconds = Math.floor(now() / 1000);
    const recent = 'read' in home.recent ? home.recent.read.value.slice(0, HOME_LIMITS.recentTracks + 1) : [];
    const whens = recent.map((track) => (track.playedAt === undefined ? 'now playing' : relativeTime(track.playedAt, nowSeconds)));
    const fingerprint = flash === undefined && status === 200 ? fingerprintOf(home, [signedInUser(req)?.name ?? '', csrfToken(req), ...whens]) : undefined;
    const kept = fingerprint === undefined ? undefined : pages.get(req.sessionID, fingerprint);
    if (kept !== undefined) {
      sendPage(res, kept);
      return;
    }
    const refused = flash?.form === undefined ? undefined : FORMS[flash.form];
    const title = refused === undefined ? 'Your Last.fm' : `Error: ${refused.title} was not sent`;
    res.status(status).render('home', { title, ...viewOf(home, recent, whens, nowSeconds, outboxRetryMaxMs), flash, ...formHelpers(flash) }, (error: Error | null, html: string) => {
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
  return JSON.stringify([view.waiting, view.settled, view.offset, view.held, view.waitingReason, view.batches.map((batch) => [batch.batch, batch.done]), view.recent.map((item) => [item.id, item.state, item.tries, item.unanswered, item.reason])]);
}

function viewOf(home: AccountHome, recent: RecentTrack[], whens: string[], nowSeconds: number, outboxRetryMaxMs: number): Record<string, unknown> {
  const parts = [
    ['profile', home.profile],
    ['recent tracks', home.recent],
    ['tags', home.tags],
  ] as const;
  const staleParts = parts.flatMap(([name, part]) => ('read' in part && part.read.stale ? [{ name, storedAt: part.read.storedAt }] : []));
  const staleSince = Math.min(...staleParts.map((part) => part.storedAt));
  const info = 'read' in home.profile ? home.profile.read.value : undefined;
  const profile: ProfileView | undefined = info === undefined ? undefined : { ...info, memberSince: validSeconds(info.registeredAt) ? calendarDate(info.registeredAt) : undefined };
  const tracks: TrackView[] = recent.map((track, i) => ({
    ...track,
    when: whens[i] ?? '',
    isoTime: validSeconds(track.playedAt) ? new Date(track.playedAt * 1000).toISOString() : undefined,
  }));
  const tags = 'read' in home.tags ? home.tags.read.value.slice(0, HOME_LIMITS.topTags) : [];
  const problems = { profile: problemOf(home.profile), recent: problemOf(home.recent), tags: problemOf(home.tags) };
  const stale = Number.isFinite(staleSince) ? { parts: inList(staleParts.map((part) => part.name)), since: relativeTime(Math.floor(staleSince / 1000), nowSeconds) } : undefined;
  return { profile, tracks, tags, problems, stale, outbox: outboxView(home.outbox, outboxRetryMaxMs) };
}

/** "a", "a and b", "a, b and c". */
function inList(names: readonly string[]): string {
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names.at(-1) ?? ''}`;
}

/**
 * The outbox in a person's words: why scrobbles wait is said once, above the list, rather than on
 * every row; Last.fm's error numbers stay in the stored reason (the log and the JSON have them).
 */
function outboxView(view: OutboxView, retryMaxMs: number): Record<string, unknown> {
  const waitingReason = view.waitingReason === HELD_REASON ? undefined : view.waitingReason;
  const total = view.waiting + view.settled;
  const page = Math.floor(view.offset / HOME_LIMITS.outboxItems) + 1;
  return {
    ...view,
    total,
    shown: shownInWords(view.offset, view.recent.length, total),
    newerPage: page > 1 ? Math.min(page - 1, Math.max(1, Math.ceil(total / HOME_LIMITS.outboxItems))) : undefined,
    olderPage: view.offset + view.recent.length < total ? page + 1 : undefined,
    recent: view.recent.map((item) => ({ ...item, reason: item.reason === undefined ? undefined : withoutErrorNumbers(item.reason) })),
    waitingBecause: waitingReason === undefined ? undefined : waitingWords(waitingReason, retryMaxMs),
  };
}

/** Why scrobbles wait, once: a daily limit says until when; trouble says when the next try is. */
function waitingWords(reason: string, retryMaxMs: number): string {
  if (reason.startsWith('Last.fm’s daily limit')) return `${sentence(reason)}.`;
  return `${sentence(withoutErrorNumbers(reason).replace(/; it will be (tried|sent) again$/, ''))}. The next try is within ${durationInWords(retryMaxMs)}, and scrobbles wait here until Last.fm takes them.`;
}

/** The outbox's ?outbox=N: a page number, or the first page for anything else (it is only a link). */
function outboxPageOf(value: unknown): number {
  const page = typeof value === 'string' && /^[1-9]\d{0,5}$/.test(value) ? Number(value) : 1;
  return page;
}

/** "20 of 300, newest first", "21–40 of 300, newest first", or "All 5, newest first". */
function shownInWords(offset: number, count: number, total: number): string {
  if (count === 0) return `Nothing here: ${String(total)} in all.`;
  if (offset === 0 && count === total) return `All ${String(total)}, newest first.`;
  if (offset === 0) return `${String(count)} of ${String(total)}, newest first.`;
  return `${String(offset + 1)}–${String(offset + count)} of ${String(total)}, newest first.`;
}

/** "could not be sent" starts a sentence as "Could not be sent". */
function sentence(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** OUTBOX_RETRY_MAX_MS in words: "a minute", "5 minutes", "45 seconds" (300 ms: "1 second"). */
function durationInWords(ms: number): string {
  if (ms >= 120_000 && ms % 60_000 === 0) return `${ms / 60_000} minutes`;
  if (ms === 60_000) return 'a minute';
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  return `${seconds} second${seconds === 1 ? '' : 's'}`;
}

/** The signed-in home's forms: the name each is known by, and its fields (the refused one is marked). */
const FORMS: Readonly<Record<string, { title: string; fields: readonly string[] }>> = {
  'now-playing': { title: 'Now playing', fields: ['artist', 'track', 'album', 'duration'] },
  scrobble: { title: 'Scrobble a track', fields: ['artist', 'track', 'album', 'playedAt'] },
  'scrobble-batch': { title: 'Scrobble a batch', fields: ['lines', 'file'] },
  'tags-add': { title: 'Add tags', fields: ['type', 'artist', 'album', 'track', 'tags'] },
  'tags-remove': { title: 'Remove a tag', fields: ['type', 'artist', 'album', 'track', 'tag'] },
};

/** The picker's script sends its time as `timestamp`: a refusal of that is about the picker. */
const FIELD_SHOWN_AS: Readonly<Record<string, string>> = { timestamp: 'playedAt' };

interface FormHelpers {
  typed: (form: string, name: string) => string;
  formError: (form: string) => string | undefined;
  /** The refused field: marked invalid and tied to the message (which takes the focus). */
  invalid: (form: string, name: string) => boolean;
}

/** A refused form shows again with what the person typed, and its message beside it rather than at the top. */
function formHelpers(flash: Flash | undefined): FormHelpers {
  const refused = flash?.form === undefined ? undefined : FORMS[flash.form];
  const field = flash?.field === undefined ? undefined : (FIELD_SHOWN_AS[flash.field] ?? flash.field);
  const fieldShown = refused !== undefined && field !== undefined && refused.fields.includes(field);
  return {
    typed: (form, name) => (flash?.form === form ? (flash.values?.[name] ?? '') : ''),
    formError: (form) => (flash?.form === form ? flash.message : undefined),
    invalid: (form, name) => fieldShown && flash?.form === form && field === name,
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
