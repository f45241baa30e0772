import { MemoryBudget, type CallBudget } from './budget';
import type { CallListener } from './call-events';
import { LastfmClient } from './client';
import { systemClock, type Clock } from './clock';
import type { HttpTransport } from './http';
import type { RetryPolicy } from './retry';
import { CallScheduler, type SchedulerListener } from './scheduler';
import { createSigner } from './signature';
import { LastfmTransport } from './transport';

export const LASTFM_API_URL = 'https://ws.audioscrobbler.com/2.0/';
export const LASTFM_AUTH_URL = 'https://www.last.fm/api/auth/';
const DEFAULT_TIMEOUT_MS = 10_000;
/** Last.fm's documented limit: about five calls per second per API key. */
const DEFAULT_CALLS_PER_SECOND = 5;

export interface LastfmClientConfig {
  apiKey: string;
  /** Signs every call; it never leaves the client. */
  sharedSecret: string;
  /** The web service root; Last.fm's by default (`startSandbox()` gives one for tests). */
  apiUrl?: string;
  /** Where people approve the application; Last.fm's by default. */
  authUrl?: string;
  /** The longest one call may take, from sending to the last byte of the answer (default 10 s). */
  timeoutMs?: number;
  /**
   * The call budget every instance shares; by default one of this process of 5 calls a second.
   * Use `lastfm-sign-in/redis` when several instances use the same API key.
   */
  budget?: CallBudget;
  /** Sends each request; axios by default. */
  transport?: HttpTransport;
  /** Sent as User-Agent by the default transport; name your application. */
  userAgent?: string;
  /** Told about every call once it ends (for logs and metrics); never given the parameters. */
  onCall?: CallListener;
  /** Told what the scheduler does with each call: waits, refusals, back-offs (for metrics). */
  onSchedule?: SchedulerListener;
  /** How reads and idempotent writes are retried. */
  retryPolicy?: RetryPolicy;
  /** How long every instance sends nothing after error 29 (default 30 s). */
  rateLimitBackOffMs?: number;
  /** Time for the scheduler and the retry backoff (tests swap in a fake). */
  clock?: Clock;
}

/** A Last.fm client with the defaults filled in: Last.fm's URLs, 10 s per call, 5 calls a second. */
export function createLastfmClient(options: LastfmClientConfig): LastfmClient {
  const clock = options.clock ?? systemClock;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  // A slot whose call never reports back (the process died mid-call) frees after the longest a call can take.
  const budget = options.budget ?? new MemoryBudget({ perSecond: DEFAULT_CALLS_PER_SECOND, leaseMs: timeoutMs + 1000 }, () => clock.now());
  const transport = new LastfmTransport({
    apiKey: options.apiKey,
    apiUrl: options.apiUrl ?? LASTFM_API_URL,
    signer: createSigner(options.sharedSecret),
    userAgent: options.userAgent ?? 'lastfm-sign-in',
    timeoutMs,
    ...(options.transport === undefined ? {} : { http: options.transport }),
    ...(options.onCall === undefined ? {} : { onCall: options.onCall }),
    // A budget of this process frees every slot here, which wakes the scheduler; a shared one is polled, as other instances free theirs unseen.
    scheduler: new CallScheduler({
      budget,
      clock,
      ...(budget instanceof MemoryBudget ? { maxPollMs: Number.POSITIVE_INFINITY } : {}),
      ...(options.onSchedule === undefined ? {} : { listener: options.onSchedule }),
    }),
    ...(options.rateLimitBackOffMs === undefined ? {} : { rateLimitBackOffMs: options.rateLimitBackOffMs }),
  });
  return new LastfmClient({ transport, authUrl: options.authUrl ?? LASTFM_AUTH_URL, clock, ...(options.retryPolicy === undefined ? {} : { retryPolicy: options.retryPolicy }) });
}
