import { Router, type Request, type Response } from 'express';
import type { StoredScrobble } from '../outbox/outbox-store';
import type { AccountService } from '../services/account';
import { accountFor, readForm, reportDone } from './signed-in';
import { withoutErrorNumbers } from './without-error-numbers';
import { optionalText, readArtistTrack, readBatch, readDuration, readPlayedAt } from './track-input';

/** Love, unlove and now playing, each a signed write with the person's session key; scrobbles, through the outbox. Mounted at /track. */
export function createTracksRouter({ accounts, basePath, now }: { accounts: AccountService; basePath: string; now: () => number }): Router {
  const router = Router();
  const nowSeconds = (): number => Math.floor(now() / 1000);

  for (const loved of [true, false]) {
    router.post(loved ? '/love' : '/unlove', async (req, res) => {
      const { artist, track } = readForm(req, loved ? 'love' : 'unlove', readArtistTrack);
      await accountFor(accounts, req).love(artist, track, loved);
      reportDone(req, res, basePath, { kind: 'success', message: `${loved ? 'Loved' : 'Unloved'} ${artist} – ${track}.`, details: [] }, { artist, track, loved });
    });
  }

  router.post('/now-playing', async (req, res) => {
    const playing = readForm(req, 'now-playing', (body) => ({ ...readArtistTrack(body), album: optionalText(body, 'album'), duration: readDuration(body) }));
    const result = await accountFor(accounts, req).nowPlaying(playing);
    const message = result.ignored ? `Last.fm ignored "now playing" for ${playing.artist} – ${playing.track}: ${result.ignoredReason ?? ''}.` : `Now playing: ${playing.artist} – ${playing.track}.`;
    reportDone(req, res, basePath, { kind: result.ignored ? 'warning' : 'success', message, details: [] }, { ignored: result.ignored, ignoredReason: result.ignoredReason });
  });

  router.post('/scrobble', async (req, res) => {
    const item = readForm(req, 'scrobble', (body) => ({ ...readArtistTrack(body), album: optionalText(body, 'album'), timestamp: readPlayedAt(body, nowSeconds()) }));
    reportScrobbles(req, res, basePath, await accountFor(accounts, req).scrobble([item]));
  });

  router.post('/scrobble-batch', async (req, res) => {
    const items = readForm(req, 'scrobble-batch', (body) => readBatch(body, nowSeconds()));
    reportScrobbles(req, res, basePath, await accountFor(accounts, req).scrobble(items));
  });

  /** The person's outbox for scripts: what waits, what was answered, and progress per send. */
  router.get('/scrobbles', async (req, res) => {
    const account = accountFor(accounts, req);
    const [view, daily] = await Promise.all([account.scrobbles(RECENT_IN_JSON), account.dailyLimit()]);
    res.set('Cache-Control', 'no-store');
    res.json({ waiting: view.waiting, held: view.held, batches: view.batches, dailyLimit: daily, scrobbles: view.recent.map(scrobbleJson) });
  });

  return router;
}

/** Scrobbles listed by GET /track/scrobbles: every waiting one is listed before settled ones. */
const RECENT_IN_JSON = 1000;

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function scrobbleJson(item: StoredScrobble): Record<string, unknown> {
  return { id: item.id, artist: item.artist, track: item.track, album: item.album, timestamp: item.timestamp, state: item.state, reason: item.reason, sentAgain: item.unanswered > 0 };
}

/** Says what Last.fm answered for each scrobble; what it has not answered yet is queued. Ignored and failed ones are named with the reason. */
function reportScrobbles(req: Request, res: Response, basePath: string, scrobbles: readonly StoredScrobble[]): void {
  const count = { queued: 0, accepted: 0, ignored: 0, failed: 0 };
  for (const item of scrobbles) count[item.state] += 1;
  const total = scrobbles.length;
  const parts: string[] = [];
  if (count.ignored === 0 && count.failed === 0 && count.queued === 0) parts.push(`Scrobbled ${plural(count.accepted, 'track')}.`);
  else if (count.accepted + count.ignored + count.failed > 0) {
    parts.push(`Scrobbled ${count.accepted} of ${total}${count.ignored > 0 ? `; Last.fm ignored ${count.ignored}` : ''}${count.failed > 0 ? `; ${count.failed} failed` : ''}.`);
  }
  if (count.queued > 0) parts.push(`Saved: Last.fm is not answering just now, so ${plural(count.queued, 'scrobble')} ${count.queued === 1 ? 'waits' : 'wait'} here and will be sent when it answers.`);
  const details = scrobbles.flatMap((item) => {
    const reason = item.reason === undefined ? 'no reason given' : withoutErrorNumbers(item.reason);
    if (item.state === 'ignored') return [`Ignored: ${item.artist} – ${item.track}: ${reason}.`];
    if (item.state === 'failed') return [`Failed: ${item.artist} – ${item.track}: ${reason}.`];
    return [];
  });
  const kind = count.ignored > 0 || count.failed > 0 ? 'warning' : count.queued > 0 ? 'queued' : 'success';
  // 202 tells a script that some of it is accepted for later, not done.
  if (count.queued > 0) res.status(202);
  const state = count.queued > 0 ? 'queued' : count.failed > 0 ? 'failed' : count.ignored > 0 ? 'ignored' : 'accepted';
  reportDone(req, res, basePath, { kind, message: parts.join(' '), details: details.slice(0, 50) }, { state, ...count, scrobbles: scrobbles.map(scrobbleJson) });
}
