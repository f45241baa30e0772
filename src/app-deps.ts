import type { LastfmClient } from 'lastfm-sign-in';
import { SandboxState } from 'lastfm-sign-in/testing';
import type { AppDeps } from './app';
import type { PasswordLimits } from './routes/auth';
import type { Config } from './config';
import { createLastfmClient, type ClientTiming } from './lastfm/create-client';
import { UserReadCache } from './lastfm/read-cache';
import type { Logger } from './logger';
import { AppMetrics } from './metrics/app-metrics';
import type { DeliveryEvent } from './outbox/delivery';
import { startScrobbleOutbox, type OutboxTiming } from './outbox/start-outbox';
import { createSharedState } from './shared-state/create-shared-state';
import type { SharedState } from './shared-state/shared-state';
import type { SessionBackend } from './stores/backend';
import { sandboxStoreFor } from './stores/sandbox-store';

export interface AppDepsOptions {
  /** The opened session store: everything that must outlive a request is kept next to it. */
  sessions: SessionBackend;
  logger: Logger;
  /** What tests and benches choose instead of the defaults; production passes none of these. */
  now?: () => number;
  shared?: SharedState;
  lastfm?: LastfmClient;
  clientTiming?: ClientTiming;
  outboxTiming?: OutboxTiming;
  passwordLimits?: PasswordLimits;
  sandboxState?: SandboxState;
}

/**
 * Builds what createApp takes, each over the ones before it: the shared state next to the
 * sessions, the Last.fm client over its call budget, the read cache, the running outbox. The
 * one place server.ts, the test helpers and the benches wire the app; whoever calls it stops the
 * outbox and closes the sessions.
 */
export function buildAppDeps(config: Config, options: AppDepsOptions): AppDeps {
  const { sessions, logger } = options;
  const now = options.now ?? Date.now;
  const budgetClock = options.clientTiming?.clock;
  const shared = options.shared ?? createSharedState(config, sessions, { now, ...(budgetClock === undefined ? {} : { budgetNow: () => budgetClock.now() }) });
  // A registry of this app's own: tests build many apps in one process.
  const metrics = config.metrics.enabled ? new AppMetrics(now) : undefined;
  const lastfm =
    options.lastfm ??
    createLastfmClient(config, shared, logger, options.clientTiming, metrics === undefined ? {} : { onCall: (event) => metrics.lastfmCall(event), scheduler: (event) => metrics.scheduler(event) });
  const readCache = new UserReadCache(shared.reads, now);
  const outbox = startScrobbleOutbox(
    config,
    { sessions, lastfm, cache: readCache, logger, now, ...(metrics === undefined ? {} : { onDelivery: (event: DeliveryEvent) => metrics.delivery(event) }) },
    options.outboxTiming,
  );
  metrics?.readOutboxFrom(() => outbox.stats());
  return {
    sessions,
    shared,
    lastfm,
    readCache,
    outbox,
    logger,
    now,
    passwordLimits: options.passwordLimits,
    sandboxState: config.sandbox ? (options.sandboxState ?? new SandboxState(Date.now, undefined, sandboxStoreFor(sessions))) : undefined,
    metrics,
  };
}
