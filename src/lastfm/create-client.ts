import type { Config } from '../config';
import type { Logger } from '../logger';
import { PACKAGE } from '../project-root';
import type { SharedState } from '../shared-state/shared-state';
import { LastfmClient } from './client';
import { systemClock, type Clock } from './clock';
import type { RetryPolicy } from './retry';
import type { CallListener } from './call-events';
import { CallScheduler, type SchedulerListener } from './scheduler';
import { createSigner } from './signature';
import { LastfmTransport } from './transport';

/** What tests change so retries and back-offs need not be waited out. */
export interface ClientTiming {
  /** Time for the scheduler and the retry backoff. */
  clock?: Clock;
  retryPolicy?: RetryPolicy;
  /** How long every instance sends nothing after error 29. */
  rateLimitBackOffMs?: number;
}

/** Who else hears about calls besides the log (metrics). */
export interface ClientListeners {
  onCall?: CallListener;
  scheduler?: SchedulerListener;
}

/** The app's Last.fm client: the configured web service, over the shared call budget, each call logged. */
export function createLastfmClient(config: Config, shared: SharedState, logger: Logger, timing: ClientTiming = {}, listeners: ClientListeners = {}): LastfmClient {
  const clock = timing.clock ?? systemClock;
  const transport = new LastfmTransport({
    apiKey: config.lastfm.apiKey,
    apiUrl: config.lastfm.apiUrl,
    signer: createSigner(config.lastfm.sharedSecret),
    userAgent: `${PACKAGE.name}/${PACKAGE.version} (+${config.publicUrl.href})`,
    timeoutMs: config.lastfm.timeoutMs,
    onCall: (event, reqId) => {
      logger[event.outcome === 'ok' ? 'info' : 'warn']({ reqId, lastfm: event }, `Last.fm ${event.method} ${event.outcome}`);
      listeners.onCall?.(event, reqId);
    },
    // In one process every slot is freed here, which wakes the scheduler; other instances free theirs unseen.
    scheduler: new CallScheduler({
      budget: shared.budget,
      clock,
      ...(shared.kind === 'memory' ? { maxPollMs: Number.POSITIVE_INFINITY } : {}),
      ...(listeners.scheduler === undefined ? {} : { listener: listeners.scheduler }),
    }),
    ...(timing.rateLimitBackOffMs === undefined ? {} : { rateLimitBackOffMs: timing.rateLimitBackOffMs }),
  });
  return new LastfmClient({ transport, authUrl: config.lastfm.authUrl, clock, ...(timing.retryPolicy === undefined ? {} : { retryPolicy: timing.retryPolicy }) });
}
