import { equalJitterDelay, isRevokedKey, kindOfCode, type ScrobbleResult } from 'lastfm-sign-in';
import { LastfmBusyError, LastfmError, LastfmUnavailableError } from '../errors';
import type { ClaimOutcome, Settled, StoredScrobble } from './outbox-store';

/** Shown on scrobbles held after Last.fm refused the session key. */
export const HELD_REASON = 'waiting for you to sign in again (Last.fm no longer accepts this app\'s access)';
/** Shown while Last.fm's daily cap on the person's scrobbles holds them. */
export const DAILY_LIMIT_REASON = 'Last.fm’s daily limit on your scrobbles is reached (about 2,800 a day, across every app you use); they wait and go when it allows more';
/** Shown while this app's own count (LASTFM_DAILY_SCROBBLES) holds a person's scrobbles. */
export function dailyCapReason(limit: number, opensAt: number): string {
  return `Last.fm’s daily limit on your scrobbles is reached (this app sends at most ${limit.toLocaleString('en')} for you in 24 hours); they wait and go from ${new Date(opensAt).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** How long a person's queue waits after Last.fm says their daily cap is reached, before it tries again. */
export const DAILY_LIMIT_WAIT_MS = 60 * 60 * 1000;
/** A scrobble whose stored text could not be read back (see Claim.unreadable). */
export const UNREADABLE_REASON = 'could not be read back from storage, so it was not sent';
export const TOO_OLD_REASON = 'too old to send (Last.fm takes scrobbles up to 14 days after they were played)';

export interface Backoff {
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { baseMs: 1000, maxMs: 60_000 };

/** The wait after `failures` failed calls in a row: doubling, with jitter so people drift apart. */
export function retryDelay(failures: number, backoff: Backoff, random: () => number): number {
  return equalJitterDelay(failures, backoff.baseMs, backoff.maxMs, random);
}

/** Last.fm answered the call: each scrobble accepted or ignored with its reason, in the order sent. */
export function answeredOutcome(sent: readonly StoredScrobble[], result: ScrobbleResult, alsoSettled: readonly Settled[]): ClaimOutcome {
  const settled: Settled[] = [...alsoSettled];
  sent.forEach((item, i) => {
    const answer = result.items.length === sent.length ? result.items[i] : undefined;
    if (answer?.ignored === true) settled.push({ id: item.id, state: 'ignored', reason: answer.ignoredReason ?? 'no reason given' });
    else if (answer !== undefined || result.ignored === 0) settled.push({ id: item.id, state: 'accepted' });
    // Counts without a line per scrobble: which were ignored cannot be told.
    else settled.push({ id: item.id, state: 'ignored', reason: `Last.fm accepted ${result.accepted} of ${sent.length} without saying which` });
  });
  return { settled, sent: true, unanswered: false, failures: 0 };
}

/**
 * What a failed call means for the scrobbles it carried. Temporary trouble (11, 16, 8, 29, 5xx,
 * no answer) keeps them for later, with backoff; a refused key (9, or 4 with a key) holds them
 * until the person signs in again; an error that can never succeed ends them as failed.
 */
export function failedOutcome(
  error: unknown,
  claim: { failures: number },
  alsoSettled: readonly Settled[],
  retryAt: (failures: number) => number,
  sentItems: readonly StoredScrobble[],
  /** A person's own request tried out of turn: it keeps the backoff as it was rather than growing it. */
  outOfTurn = false,
): ClaimOutcome {
  const base = { settled: [...alsoSettled] };
  if (error instanceof LastfmBusyError || (error instanceof LastfmError && error.httpStatus === 0)) {
    // This app's own scheduler did not send it (no slot in time, or backing off after 29): no try, no failure counted.
    return { ...base, sent: false, unanswered: false, reason: 'Last.fm is busy; waiting for a turn', retryAt: retryAt(Math.max(1, claim.failures)), failures: claim.failures };
  }
  const failures = outOfTurn ? Math.max(1, claim.failures) : claim.failures + 1;
  if (error instanceof LastfmUnavailableError) {
    // A 5xx is an answer that nothing was recorded; no answer (timeout, cut off, dropped) might hide a recorded one.
    const unanswered = error.reason !== 'http-status';
    const reason = unanswered ? 'Last.fm did not answer; it will be sent again' : 'Last.fm is not answering; it will be tried again';
    return { ...base, sent: true, unanswered, reason, retryAt: retryAt(failures), failures };
  }
  if (error instanceof LastfmError) {
    if (isRevokedKey(error)) return { ...base, sent: true, unanswered: false, reason: HELD_REASON, hold: true, failures: 0 };
    // The person's own daily cap, not trouble: wait it out without counting a failure; everyone else goes on.
    if (error.personalLimit) return { ...base, sent: true, unanswered: false, reason: DAILY_LIMIT_REASON, retryAt: retryAt(0) + DAILY_LIMIT_WAIT_MS, failures: claim.failures };
    const kind = kindOfCode(error.code);
    if (kind === 'temporary' || kind === 'operation-failed' || kind === 'rate-limited' || kind === 'api-key') {
      // A refused API key is the operator's to fix, after which the scrobbles can still go.
      return { ...base, sent: true, unanswered: false, reason: `Last.fm is having trouble (error ${error.code}); it will be tried again`, retryAt: retryAt(failures), failures };
    }
    return { settled: [...base.settled, ...sentItems.map((item): Settled => ({ id: item.id, state: 'failed', reason: `Last.fm refused it (error ${error.code}: ${error.lastfmMessage})` }))], sent: true, unanswered: false, failures: 0 };
  }
  // Not Last.fm's answer (a bug or the store): keep them and try later.
  return { ...base, sent: false, unanswered: false, reason: 'could not be sent; it will be tried again', retryAt: retryAt(failures), failures };
}
