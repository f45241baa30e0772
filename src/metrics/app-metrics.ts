import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { kindOfCode, type LastfmCallEvent, type SchedulerEvent } from 'lastfm-sign-in';
import type { DeliveryEvent } from '../outbox/delivery';
import type { OutboxStats } from '../outbox/outbox-store';

/** Every metric of this app starts with this; the process_* and nodejs_* ones keep prom-client's standard names. */
export const METRIC_PREFIX = 'lastfm_signin_';

/** A scrape reads the shared outbox at most this often; scrapes in between get the same numbers. */
const OUTBOX_READ_REUSE_MS = 5000;

const SECONDS_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * The app's metrics in a registry of its own (each app built, in tests many, has one). Labels
 * take values from short fixed sets only: Last.fm method names the app calls, priorities,
 * reasons, outcomes, route patterns. Never a person's name or a raw path.
 */
export class AppMetrics {
  readonly registry = new Registry();
  private readonly calls: Counter<'method' | 'outcome' | 'error'>;
  private readonly callSeconds: Histogram<'method'>;
  private readonly slotWaitSeconds: Histogram<'priority'>;
  private readonly waiting: Gauge;
  private readonly refused: Counter<'reason' | 'priority'>;
  private readonly backOffs: Counter;
  private readonly deliveries: Counter<'outcome'>;
  private readonly settled: Counter<'state'>;
  private readonly http: Counter<'route' | 'status_class'>;
  private outboxStats: () => Promise<OutboxStats> = () => Promise.resolve({ queued: 0, held: 0, oldestQueuedAt: undefined });
  private lastRead: { at: number; stats: Promise<OutboxStats | undefined> } | undefined;

  /** `now`: the app's time, which the outbox's times are in. */
  constructor(now: () => number = Date.now) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.calls = new Counter({ name: `${METRIC_PREFIX}lastfm_calls_total`, help: 'Last.fm web service calls sent, by method and outcome (ok, lastfm_error with its error code, unavailable with why)', labelNames: ['method', 'outcome', 'error'], registers });
    this.callSeconds = new Histogram({ name: `${METRIC_PREFIX}lastfm_call_duration_seconds`, help: 'Time from sending a Last.fm call to its answer (or failure), without the wait for a slot', labelNames: ['method'], buckets: SECONDS_BUCKETS, registers });
    this.slotWaitSeconds = new Histogram({ name: `${METRIC_PREFIX}lastfm_slot_wait_seconds`, help: 'Time a Last.fm call waited for a slot in the shared call budget, by priority', labelNames: ['priority'], buckets: SECONDS_BUCKETS, registers });
    this.waiting = new Gauge({ name: `${METRIC_PREFIX}lastfm_calls_waiting`, help: 'Last.fm calls waiting for a slot on this instance', registers });
    this.refused = new Counter({ name: `${METRIC_PREFIX}lastfm_calls_refused_total`, help: 'Last.fm calls this app refused unsent, by reason (deadline, queue-full, client-limit, backing-off) and priority', labelNames: ['reason', 'priority'], registers });
    this.backOffs = new Counter({ name: `${METRIC_PREFIX}lastfm_rate_limit_backoffs_total`, help: 'Pauses of every instance after Last.fm answered error 29 (rate limit exceeded) to a call from this instance', registers });
    this.deliveries = new Counter({ name: `${METRIC_PREFIX}outbox_deliveries_total`, help: 'Outbox deliveries recorded by this instance, by outcome (settled, retry, not-sent, held)', labelNames: ['outcome'], registers });
    this.settled = new Counter({ name: `${METRIC_PREFIX}outbox_scrobbles_settled_total`, help: 'Scrobbles this instance saw settle, by state (accepted, ignored, failed)', labelNames: ['state'], registers });
    this.http = new Counter({ name: `${METRIC_PREFIX}http_requests_total`, help: 'HTTP requests answered, by route pattern and status class', labelNames: ['route', 'status_class'], registers });

    const read = () => this.readOutbox();
    new Gauge({
      name: `${METRIC_PREFIX}outbox_scrobbles`,
      help: 'Scrobbles waiting in the shared outbox, by state (queued: moving; held: waiting for the person to sign in again)',
      labelNames: ['state'],
      registers,
      async collect() {
        const stats = await read();
        if (stats === undefined) return;
        this.set({ state: 'queued' }, stats.queued);
        this.set({ state: 'held' }, stats.held);
      },
    });
    new Gauge({
      name: `${METRIC_PREFIX}outbox_oldest_waiting_age_seconds`,
      help: 'How long the next scrobble to go has waited, for the moving queue whose next one has waited longest; 0 when none waits',
      registers,
      async collect() {
        const stats = await read();
        if (stats === undefined) return;
        this.set(stats.oldestQueuedAt === undefined ? 0 : Math.max(0, (now() - stats.oldestQueuedAt) / 1000));
      },
    });
    new Gauge({
      name: `${METRIC_PREFIX}outbox_read_ok`,
      help: '1 when this scrape read the shared outbox, 0 when the store did not answer (the outbox gauges then keep their last values)',
      registers,
      async collect() {
        this.set((await read()) === undefined ? 0 : 1);
      },
    });
  }

  /** Where the outbox numbers come from: the shared store, read at scrape time. */
  readOutboxFrom(stats: () => Promise<OutboxStats>): void {
    this.outboxStats = stats;
  }

  lastfmCall(event: LastfmCallEvent): void {
    // A 29 with no HTTP status is this app's own refusal while backing off: never sent, counted as refused.
    if (event.outcome === 'lastfm-error' && event.httpStatus === 0) return;
    const error = event.outcome === 'ok' ? 'none' : event.outcome === 'lastfm-error' ? errorLabel(event.code) : (event.reason ?? 'unknown');
    this.calls.inc({ method: event.method, outcome: event.outcome.replace('-', '_'), error });
  }

  scheduler(event: SchedulerEvent): void {
    switch (event.type) {
      case 'queued':
        this.waiting.set(event.waiting);
        break;
      case 'granted':
        this.waiting.set(event.waiting);
        this.slotWaitSeconds.observe({ priority: event.priority }, event.waitedMs / 1000);
        break;
      case 'released':
        this.callSeconds.observe({ method: event.method }, event.heldMs / 1000);
        break;
      case 'refused':
        this.waiting.set(event.waiting);
        this.refused.inc({ reason: event.reason, priority: event.priority });
        break;
      case 'back-off':
        this.backOffs.inc();
        break;
    }
  }

  delivery(event: DeliveryEvent): void {
    this.deliveries.inc({ outcome: event.outcome });
    for (const [state, n] of Object.entries(event.counts)) if (n > 0) this.settled.inc({ state }, n);
  }

  httpRequest(route: string, status: number): void {
    this.http.inc({ route, status_class: `${Math.floor(status / 100)}xx` });
  }

  /** One read of the shared store serves every outbox gauge of a scrape, and scrapes close together. */
  private readOutbox(): Promise<OutboxStats | undefined> {
    const at = performance.now();
    if (this.lastRead !== undefined && at - this.lastRead.at < OUTBOX_READ_REUSE_MS) return this.lastRead.stats;
    const stats = this.outboxStats().catch(() => undefined);
    this.lastRead = { at, stats };
    return stats;
  }
}

/** Last.fm's error codes the app knows, by number; anything else as "other", so a server cannot invent label values. */
function errorLabel(code: number | undefined): string {
  return code !== undefined && kindOfCode(code) !== 'unknown' ? String(code) : 'other';
}
