import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';
import { createSigner, LastfmClient, LastfmTransport } from 'lastfm-sign-in';
import { DEMO_ACCOUNTS, SandboxState } from 'lastfm-sign-in/testing';
import { createApp } from '../src/app';
import { createExpressServer } from '../src/express-server';
import { buildAppDeps } from '../src/app-deps';
import { loadConfig } from '../src/config';
import { createLastfmClient } from '../src/lastfm/create-client';
import { createSharedState } from '../src/shared-state/create-shared-state';
import { createMemoryBackend } from '../src/stores/memory-backend';
import { createLogger } from '../src/logger';
import { serveParent } from './child';
import { serveProfiler } from './cpu-profile';

/**
 * The real app in sandbox mode, on a loopback port, as a benchmark target. BENCH_UNTHROTTLED=1
 * lifts the client's 5 requests/s so write paths measure the app, not the rate rule (which
 * bench/throttle.ts measures on its own).
 */
async function main(): Promise<void> {
  const { server, serve } = createExpressServer();
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const config = loadConfig({
    // Not development, so compiled views are cached as in production.
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}/`,
    SESSION_SECRET: 'benchmark-session-secret-0123456789abcdef',
    SESSION_STORE: process.env.BENCH_STORE ?? 'memory',
    // Every simulated browser signs in from 127.0.0.1.
    SIGN_IN_STARTS_PER_MINUTE: '1000000',
    // Every benchmark browser comes from 127.0.0.1: the rate per address would measure itself.
    SIGN_IN_CALLS_PER_MINUTE: '1000000',
    // BENCH_OWN_ADDRESSES=1: the browsers name their own addresses in X-Forwarded-For, as behind a
    // proxy on this host, so the Last.fm client's per-address limit (4 calls waiting per caller)
    // counts each browser, not all of them as one.
    ...(process.env.BENCH_OWN_ADDRESSES === '1' ? { TRUST_PROXY: 'loopback' } : {}),
  });
  const sandboxState = new SandboxState();
  const logger = createLogger({ level: 'silent' });
  // Memory sessions whatever SESSION_STORE says, as this bench has always measured.
  const sessions = createMemoryBackend(config);
  const shared = createSharedState(config, sessions);
  const lastfm =
    process.env.BENCH_UNTHROTTLED === '1'
      ? new LastfmClient({
          transport: new LastfmTransport({
            apiKey: config.lastfm.apiKey,
            apiUrl: config.lastfm.apiUrl,
            signer: createSigner(config.lastfm.sharedSecret),
            userAgent: 'lastfm-sign-in-bench/1',
            timeoutMs: config.lastfm.timeoutMs,
            rateLimitPerSecond: 1_000_000,
          }),
          authUrl: config.lastfm.authUrl,
        })
      : createLastfmClient(config, shared, logger);
  const app = createApp(config, buildAppDeps(config, { sessions, logger, shared, lastfm, sandboxState }));

  // The app calls its own built-in stand-in; sockets that carry web service calls are the upstream ones.
  const upstreamSockets = new WeakSet<Socket>();
  let upstreamConnections = 0;
  server.on('request', (req: http.IncomingMessage) => {
    if (req.url?.startsWith('/sandbox/2.0/') === true && !upstreamSockets.has(req.socket)) {
      upstreamSockets.add(req.socket);
      upstreamConnections += 1;
    }
  });
  serve(app);
  if (process.env.BENCH_PROFILE === '1') serveProfiler();
  serveParent(port, () => ({
    upstreamConnections,
    loves: DEMO_ACCOUNTS.reduce((sum, account) => sum + sandboxState.library.of(account.name).loves.size, 0),
  }));
}

void main();
