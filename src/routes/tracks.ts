import { lastfmFor } from './caller';
import { Router, type Request, type Response } from 'express';
import type { Config } from '../config';
import type { LastfmClient } from '../lastfm/client';
import type { ScrobbleItem } from '../lastfm/user-data';
import { HttpError } from '../errors';
import { HELD_REASON } from '../outbox/delivery-outcome';
import type { StoredScrobble } from '../outbox/outbox-store';
import type { ScrobbleOutbox } from '../outbox/scrobble-outbox';
import type { SessionUser } from '../session';
import { forAccount, readForm, reportDone, requireUser, signOut, type AccountDeps } from './account';
import { optionalText, readArtistTrack, readBatch, readDuration, readPlayedAt } from './track-input';

export interface TrackRoutesDeps extends AccountDeps {
  lastfm: LastfmClient;
  now: () => number;
  outbox: ScrobbleOutbox;
}

/** Love, unlove and now playing, each a signed write with the person's session key; scrobbles, through the outbox. */
export function createTracksRouter(deps: TrackRoutesDeps): Router {
  const { config, lastfm, cache } = deps;
  const router = Router();
  const nowSeconds = (): number => Math.floor(deps.now() / 1000);

  for (const loved of [true, false]) {
    router.post(loved ? '/track/love' : '/track/unlove', async (req, res) => {
      const user = requireUser(req);
      const { artist, track } = readForm(req, loved ? 'love' : 'unlove', readArtistTrack);
      const client = lastfmFor(lastfm, req);
      await forAccount(req, res, deps, () => (loved ? client.love(user.key, artist, track) : client.unlove(user.key, artist, track)));
      await cache.invalidate(user.name);
      reportDone(req, res, config, { kind: 'success', message: `${loved ? 'Loved' : 'Unloved'} ${artist} – ${track}.`, details: [] }, { artist, track, loved });
    });
  }

  router.post('/track/now-playing', async (req, res) => {
    const user = requireUser(req);
    const playing = readForm(req, 'now-playing', (body) => ({ ...readArtistTrack(body), album: optionalText(body, 'album'), duration: readDuration(body) }));
    const result = await forAccount(req, res, deps, () => lastfmFor(lastfm, req).updateNowPlaying(user.key, playing));
    await cache.invalidate(user.name);
    const message = result.ignored ? `Last.fm ignored "now playing" for ${playing.artist} – ${playing.track}: ${result.ignoredReason ?? ''}.` : `Now playing: ${playing.artist} – ${playing.track}.`;
    reportDone(req, res, config, { kind: result.ignored ? 'warning' : 'success', message, details: [] }, { ignored: result.ignored, ignoredReason: result.ignoredReason });
  });

  router.post('/track/scrobble', async (req, res) => {
    const user = requireUser(req);
    const item = readForm(req, 'scrobble', (body) => ({ ...readArtistTrack(body), album: optionalText(body, 'album'), timestamp: readPlayedAt(body, nowSeconds()) }));
    await sendScrobbles(req, res, deps, user, [item]);
  });

  router.post('/track/scrobble-batch', async (req, res) => {
    const user = requireUser(req);
    const items = readForm(req, 'scrobble-batch', (body) => readBatch(body, nowSeconds()));
    await sendScrobbles(req, res, deps, user, items);
  });

  /** The person's outbox for scripts: what waits, what was answered, and progress per send. */
  router.get('/track/scrobbles', async (req, res) => {
    const user = requireUser(req);
    const view = await deps.outbox.view(user.name, RECENT_IN_JSON);
    res.set('Cache-Control', 'no-store');
    res.json({ waiting: view.waiting, held: view.held, batches: view.batches, scrobbles: view.recent.map(scrobbleJson) });
  });

  return router;
}

/** Scrobbles listed by GET /track/scrobbles: every waiting one is listed before settled ones. */
const RECENT_IN_JSON = 1000;

/**
 * Queues the scrobbles, then answers with what Last.fm said if it said it within the short wait,
 * or with "queued". A key Last.fm refused signs the person out; their scrobbles wait for the next sign-in.
 */
async function sendScrobbles(req: Request, res: Response, deps: TrackRoutesDeps, user: SessionUser, items: ScrobbleItem[]): Promise<void> {
  const ids = await deps.outbox.queue(user, items);
  const scrobbles = await deps.outbox.answer(user.name, ids);
  const held = scrobbles.filter((item) => item.state === 'queued' && item.reason === HELD_REASON).length;
  if (held > 0) {
    await signOut(req, res, deps);
    throw new HttpError(401, 'Last.fm access was revoked; sign in again', `Last.fm no longer accepts this app's access to your account, so you have been signed out here. ${plural(held, 'scrobble')} will be sent once you sign in again.`, {
      action: { href: '/auth/login', label: 'Sign in with Last.fm again' },
    });
  }
  reportScrobbles(req, res, deps.config, scrobbles);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function scrobbleJson(item: StoredScrobble): Record<string, unknown> {
  return { id: item.id, artist: item.artist, track: item.track, album: item.album, timestamp: item.timestamp, state: item.state, reason: item.reason, sentAgain: item.unanswered > 0 };
}

/** Says what Last.fm answered for each scrobble; what it has not answered yet is queued. Ignored and failed ones are named with the reason. */
function reportScrobbles(req: Request, res: Response, config: Config, scrobbles: readonly StoredScrobble[]): void {
  const count = { queued: 0, accepted: 0, ignored: 0, failed: 0 };
  for (const item of scrobbles) count[item.state] += 1;
  const total = scrobbles.length;
  const parts: string[] = [];
  if (count.ignored === 0 && count.failed === 0 && count.queued === 0) parts.push(`Scrobbled ${plural(count.accepted, 'track')}.`);
  else if (count.accepted + count.ignored + count.failed > 0) {
    parts.push(`Scrobbled ${count.accepted} of ${total}${count.ignored > 0 ? `; Last.fm ignored ${count.ignored}` : ''}${count.failed > 0 ? `; ${count.failed} failed` : ''}.`);
  }
  if (count.queued > 0) parts.push(`Queued: ${plural(count.queued, 'scrobble')} will be sent to Last.fm when it answers again.`);
  const details = scrobbles.flatMap((item) => {
    if (item.state === 'ignored') return [`Ignored: ${item.artist} – ${item.track}: ${item.reason ?? 'no reason given'}.`];
    if (item.state === 'failed') return [`Failed: ${item.artist} – ${item.track}: ${item.reason ?? 'no reason given'}.`];
    return [];
  });
  const kind = count.ignored > 0 || count.failed > 0 ? 'warning' : 'success';
  // 202 tells a script that some of it is accepted for later, not done.
  if (count.queued > 0) res.status(202);
  const state = count.queued > 0 ? 'queued' : count.failed > 0 ? 'failed' : count.ignored > 0 ? 'ignored' : 'accepted';
  reportDone(req, res, config, { kind, message: parts.join(' '), details: details.slice(0, 50) }, { state, ...count, scrobbles: scrobbles.map(scrobbleJson) });
}
