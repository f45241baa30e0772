import type { LastfmClient } from 'lastfm-sign-in';
import type { Config } from '../config';
import type { UserReadCache } from '../lastfm/read-cache';
import type { Logger } from '../logger';
import type { SessionBackend } from '../stores/backend';
import { sealerFor } from '../stores/key-sealer';
import { createDailyCount, createOutboxStore } from './create-outbox';
import type { DeliveryEvent } from './delivery';
import { DEFAULT_BACKOFF, type Backoff } from './delivery-outcome';
import { ScrobbleOutbox } from './scrobble-outbox';

export interface OutboxParts {
  sessions: SessionBackend;
  lastfm: LastfmClient;
  /** The app's read cache: a delivered scrobble makes the person's recent tracks stale. */
  cache: UserReadCache;
  logger: Logger;
  now?: () => number;
  /** Told how each delivery ended (metrics). */
  onDelivery?: (event: DeliveryEvent) => void;
}

/** What tests shorten: the short wait for an answer, retry backoff and polling. */
export interface OutboxTiming {
  answerWaitMs?: number;
  backoff?: Backoff;
  pollMs?: number;
}

/**
 * The app's scrobble outbox, kept where the sessions are, with its delivery loop running. Whoever
 * starts it stops it (`stop()`) before closing the session store.
 */
export function startScrobbleOutbox(config: Config, parts: OutboxParts, timing: OutboxTiming = {}): ScrobbleOutbox {
  const outbox = new ScrobbleOutbox({
    store: createOutboxStore(parts.sessions),
    lastfm: parts.lastfm,
    sealer: sealerFor(config),
    cache: parts.cache,
    logger: parts.logger,
    now: parts.now ?? Date.now,
    onDelivery: parts.onDelivery,
    // A claim outlives the longest call, so no second delivery sends it while the first may still hear back.
    leaseMs: config.lastfm.timeoutMs + 2000,
    maxWaitingPerPerson: config.lastfm.outboxMaxPerPerson,
    daily: { limit: config.lastfm.dailyScrobbles, count: createDailyCount(parts.sessions) },
    ...(timing.answerWaitMs === undefined ? {} : { answerWaitMs: timing.answerWaitMs }),
    backoff: timing.backoff ?? { baseMs: Math.min(DEFAULT_BACKOFF.baseMs, config.lastfm.outboxRetryMaxMs), maxMs: config.lastfm.outboxRetryMaxMs },
    ...(timing.pollMs === undefined ? {} : { pollMs: timing.pollMs }),
  });
  outbox.start();
  return outbox;
}
