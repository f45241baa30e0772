import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import express from 'express';
import { createSandboxRouter, SANDBOX_API_KEY, SANDBOX_SHARED_SECRET, SandboxState } from 'lastfm-sign-in/testing';

/**
 * The sandbox on its own loopback port behind a gate as strict as Last.fm may be: more than
 * `perSecond` arrivals within any 1,000 ms (refused ones count too) get error 29. The benches'
 * copy of test/helpers/strict-stand-in.ts, without the tests' log audit.
 */
export class StrictStandIn {
  readonly state = new SandboxState();
  refusedWith29 = 0;
  /** Arrivals of the last second only: the gate needs no more, and a long run stays small. */
  private readonly recent: number[] = [];
  /** People given a session key through /bench/session-key, so their scrobbles can be counted. */
  private readonly listeners = new Set<string>();
  private busiest = 0;
  /** The last `perSecond + 1` arrivals, for the tightest span one more than the rate has fitted in. */
  private readonly lastFew: number[] = [];
  private tightest = Number.POSITIVE_INFINITY;
  private counted = { stored: 0, distinct: 0 };
  /**
   * How late this process's loop ran: an arrival is counted when the loop reads it, so a stall
   * here delays one call's count and not the next's, as a busy server of Last.fm's would.
   */
  private readonly loopDelay = monitorEventLoopDelay({ resolution: 10 });
  private server: http.Server | undefined;

  /** `answerDelayMs`: how long each answered call takes after its arrival was counted, as a distant Last.fm's would. */
  constructor(
    private readonly perSecond = 5,
    private readonly answerDelayMs = 0,
  ) {}

  async start(): Promise<this> {
    const app = express();
    app.use('/2.0/', (_req, res, next) => {
      const at = performance.now();
      while (this.recent.length > 0 && at - (this.recent[0] ?? 0) >= 1000) this.recent.shift();
      this.recent.push(at);
      this.busiest = Math.max(this.busiest, this.recent.length);
      this.lastFew.push(at);
      if (this.lastFew.length > this.perSecond + 1) this.lastFew.shift();
      if (this.lastFew.length === this.perSecond + 1) this.tightest = Math.min(this.tightest, at - (this.lastFew[0] ?? 0));
      if (this.recent.length > this.perSecond) {
        this.refusedWith29 += 1;
        res.status(429).json({ error: 29, message: 'Rate Limit Exceeded - Your IP has made too many requests in a short period' });
        return;
      }
      if (this.answerDelayMs > 0) setTimeout(next, this.answerDelayMs);
      else next();
    });
    // For the benches' browsers: a token the named person has already allowed, as the sandbox's
    // authorize page would hand back to the callback, without a page to fill in.
    app.post('/bench/approved-token', (req, res) => {
      res.type('text').send(this.state.issueToken(typeof req.query.user === 'string' ? req.query.user : undefined));
    });
    // For the outbox bench: a session key for any name, as a sign-in would have given it. Last.fm
    // would know these people; the sandbox only checks that the key is one it issued.
    app.post('/bench/session-key', (req, res) => {
      const user = typeof req.query.user === 'string' ? req.query.user : '';
      if (user === '') {
        res.status(400).type('text').send('user is required');
        return;
      }
      this.listeners.add(user);
      res.type('text').send(this.state.issueSessionKey(user));
    });
    app.use(createSandboxRouter({ state: this.state }));
    const server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.loopDelay.enable();
    return this;
  }

  get port(): number {
    return (this.server?.address() as AddressInfo).port;
  }

  /** The most arrivals seen within any one second so far. */
  busiestSecond(): number {
    return this.busiest;
  }

  /** What the benches read: calls per method as the sandbox counted them, and the gate's counts. */
  counters(methods: readonly string[]): Record<string, number> {
    return {
      ...Object.fromEntries(methods.map((method) => [method, this.state.calls.of(method)])),
      total: this.state.calls.total,
      refusedWith29: this.refusedWith29,
      busiestSecond: this.busiest,
      // How far the closest perSecond + 1 arrivals were from fitting in one second (29): the margin left.
      tightestSpanMs: Number.isFinite(this.tightest) ? Math.round(this.tightest) : -1,
      loopDelayMaxMs: Math.round(this.loopDelay.max / 1e6),
      ...this.scrobbleCounts(),
    };
  }

  /**
   * Scrobbles the stand-in keeps for the /bench/session-key people, and how many of them differ
   * in person, track or time played: fewer distinct than stored means one was sent twice.
   */
  private scrobbleCounts(): { scrobblesStored: number; scrobblesDistinct: number } {
    let stored = 0;
    for (const user of this.listeners) stored += this.state.library.of(user).scrobbles.length;
    // Counted again only when more came: a bench asking every 50 ms would otherwise hold up the
    // stand-in's own loop, and so the arrival times its gate counts.
    if (stored !== this.counted.stored) {
      const distinct = new Set<string>();
      for (const user of this.listeners) {
        for (const scrobble of this.state.library.of(user).scrobbles) distinct.add(`${user}\u0000${scrobble.artist}\u0000${scrobble.track}\u0000${scrobble.timestamp}`);
      }
      this.counted = { stored, distinct: distinct.size };
    }
    return { scrobblesStored: stored, scrobblesDistinct: this.counted.distinct };
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    this.loopDelay.disable();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** The environment that points an app process at the stand-in on `port` as its Last.fm. */
export function standInEnv(port: number): Record<string, string> {
  return {
    LASTFM_API_KEY: SANDBOX_API_KEY,
    LASTFM_SHARED_SECRET: SANDBOX_SHARED_SECRET,
    LASTFM_API_URL: `http://127.0.0.1:${port}/2.0/`,
    LASTFM_AUTH_URL: `http://127.0.0.1:${port}/api/auth/`,
  };
}
