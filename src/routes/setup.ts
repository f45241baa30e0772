import { Router } from 'express';
import type { LastfmClient } from 'lastfm-sign-in';
import type { Config, SessionStoreKind } from '../config';
import { probeLastfm, type ProbeResult } from '../lastfm/probe';
import { checkSetup, viewRequest } from '../setup-check';
import type { DurabilityReport } from '../stores/redis-durability';
import { wantsJson } from '../wants-json';

/** Short, so the page answers even when Last.fm does not. */
const PROBE_TIMEOUT_MS = 3000;
/**
 * How long one probe's answer is reused. With SETUP_PAGE=on the page may be public, and reloads
 * must not become a way to spend the API key's calls. Kept per process on purpose: each
 * instance reports whether it, itself, can reach Last.fm.
 */
const PROBE_REUSE_MS = 30_000;

/** GET /setup (mounted there): what the app computed and saw, for whoever is putting it behind a proxy. */
export function createSetupRouter(
  config: Config,
  sessionStore: SessionStoreKind,
  outbox: SessionStoreKind,
  lastfm: Pick<LastfmClient, 'transport'>,
  /** The session store's own check of its settings (Redis: AOF, eviction), asked afresh on each view. */
  storeDurability: (() => Promise<DurabilityReport>) | undefined,
): Router {
  const router = Router();
  const checkLastfm = reused(PROBE_REUSE_MS, () => probeLastfm(lastfm.transport, Math.min(PROBE_TIMEOUT_MS, config.lastfm.timeoutMs)));
  router.get('/', async (req, res) => {
    const [probe, durability] = await Promise.all([checkLastfm(), storeDurability?.()]);
    const report = checkSetup(config, viewRequest(req, res.locals.prefixStripped === true), sessionStore, probe);
    if (durability?.checked === true) report.warnings.push(...durability.warnings);
    res.set('Cache-Control', 'no-store');
    if (wantsJson(req)) {
      res.json({ ...report, outbox });
      return;
    }
    // Set only when the session and its checks all went through (middleware/optional-session.ts).
    res.render('setup', { title: 'Setup check', report, outbox, signedInAs: (res.locals.user as { name: string } | undefined)?.name });
  });
  return router;
}

/** `work`'s result, shared by callers while it runs and reused for `ms` after it ends. */
function reused(ms: number, work: () => Promise<ProbeResult>): () => Promise<ProbeResult> {
  let latest: { result: Promise<ProbeResult>; settledAt: number | undefined } | undefined;
  return () => {
    if (latest !== undefined && (latest.settledAt === undefined || Date.now() - latest.settledAt < ms)) return latest.result;
    const entry: { result: Promise<ProbeResult>; settledAt: number | undefined } = { result: work(), settledAt: undefined };
    const settle = () => {
      entry.settledAt = Date.now();
    };
    entry.result.then(settle, settle);
    latest = entry;
    return entry.result;
  };
}
