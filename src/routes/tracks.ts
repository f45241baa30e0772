import { lastfmFor } from './caller';
import { Router, type Request, type Response } from 'express';
import type { Config } from '../config';
import type { LastfmClient } from '../lastfm/client';
import type { ScrobbleResult } from '../lastfm/user-data';
import { forAccount, readForm, reportDone, requireUser, type AccountDeps } from './account';
import { optionalText, readArtistTrack, readBatch, readDuration, readPlayedAt } from './track-input';

export interface TrackRoutesDeps extends AccountDeps {
  lastfm: LastfmClient;
  now: () => number;
}

/** Love, unlove, now playing and scrobbles, each a signed write with the person's session key. */
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
    const result = await forAccount(req, res, deps, () => lastfmFor(lastfm, req).scrobble(user.key, [item]));
    await cache.invalidate(user.name);
    reportScrobbles(req, res, config, result);
  });

  router.post('/track/scrobble-batch', async (req, res) => {
    const user = requireUser(req);
    const items = readForm(req, 'scrobble-batch', (body) => readBatch(body, nowSeconds()));
    const result = await forAccount(req, res, deps, () => lastfmFor(lastfm, req).scrobble(user.key, items));
    await cache.invalidate(user.name);
    reportScrobbles(req, res, config, result);
  });

  return router;
}

/** An ignored scrobble is not a success: say how many were ignored and why. */
function reportScrobbles(req: Request, res: Response, config: Config, result: ScrobbleResult): void {
  const total = result.items.length > 0 ? result.items.length : result.accepted + result.ignored;
  const message =
    result.ignored === 0
      ? `Scrobbled ${result.accepted} ${result.accepted === 1 ? 'track' : 'tracks'}.`
      : `Scrobbled ${result.accepted} of ${total}; Last.fm ignored ${result.ignored}.`;
  const details = result.items.filter((item) => item.ignored).map((item) => `Ignored: ${item.artist} – ${item.track}: ${item.ignoredReason ?? 'no reason given'}.`);
  reportDone(req, res, config, { kind: result.ignored === 0 ? 'success' : 'warning', message, details }, { accepted: result.accepted, ignored: result.ignored, scrobbles: result.items });
}
