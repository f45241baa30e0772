import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createSandboxRouter, SANDBOX_API_KEY, SANDBOX_SHARED_SECRET, SandboxState } from 'lastfm-sign-in/testing';
import { watchSandbox } from './log-audit';

/**
 * The sandbox on its own port, in the test process, for app processes to share, behind a gate
 * that enforces Last.fm's rule as strictly as Last.fm may: at most `perSecond` arrivals in any
 * one second (one API key here), error 29 beyond. It records every arrival's time.
 */
export class StrictStandIn {
  readonly state = new SandboxState();
  /** Arrival times (ms) of every web service call, refused ones included. */
  readonly arrivals: number[] = [];
  /** Arrival times of the sign-in calls (auth.*) among them, sent as GETs. */
  readonly signInArrivals: number[] = [];
  refusedWith29 = 0;
  private server: http.Server | undefined;

  constructor(private readonly perSecond = 5) {
    watchSandbox(this.state);
  }

  async start(): Promise<this> {
    const app = express();
    app.use('/2.0/', (req, res, next) => {
      const at = performance.now();
      this.arrivals.push(at);
      if (typeof req.query.method === 'string' && req.query.method.startsWith('auth.')) this.signInArrivals.push(at);
      if (this.arrivals.filter((t) => t > at - 1000).length > this.perSecond) {
        this.refusedWith29 += 1;
        res.status(429).json({ error: 29, message: 'Rate Limit Exceded - Your IP has made too many requests in a short period' });
        return;
      }
      next();
    });
    app.use(createSandboxRouter({ state: this.state }));
    const server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    return this;
  }

  /** What an app process needs to use this stand-in as its Last.fm. */
  get env(): Record<string, string> {
    const port = (this.server?.address() as AddressInfo).port;
    return {
      LASTFM_API_KEY: SANDBOX_API_KEY,
      LASTFM_SHARED_SECRET: SANDBOX_SHARED_SECRET,
      LASTFM_API_URL: `http://127.0.0.1:${port}/2.0/`,
      LASTFM_AUTH_URL: `http://127.0.0.1:${port}/api/auth/`,
    };
  }

  /** The most arrivals (or of those given) seen within any one second. */
  busiestSecond(arrivals = this.arrivals): number {
    return Math.max(0, ...arrivals.map((at) => arrivals.filter((t) => t >= at && t < at + 1000).length));
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
