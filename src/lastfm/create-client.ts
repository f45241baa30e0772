import { createLastfmClient as createClient, type CallListener, type Clock, type LastfmClient, type RetryPolicy, type SchedulerListener } from 'lastfm-sign-in';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { PACKAGE } from '../project-root';
import type { SharedState } from '../shared-state/shared-state';

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
  return createClient({
    apiKey: config.lastfm.apiKey,
    sharedSecret: config.lastfm.sharedSecret,
    apiUrl: config.lastfm.apiUrl,
    authUrl: config.lastfm.authUrl,
    timeoutMs: config.lastfm.timeoutMs,
    budget: shared.budget,
    userAgent: `${PACKAGE.name}/${PACKAGE.version} (+${config.publicUrl.href})`,
    onCall: (event, reqId) => {
      logger[event.outcome === 'ok' ? 'info' : 'warn']({ reqId, lastfm: event }, `Last.fm ${event.method} ${event.outcome}`);
      listeners.onCall?.(event, reqId);
    },
    ...(listeners.scheduler === undefined ? {} : { onSchedule: listeners.scheduler }),
    ...timing,
  });
}
