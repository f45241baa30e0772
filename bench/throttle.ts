import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { LastfmClient } from '../src/lastfm/client';
import { LastfmTransport } from '../src/lastfm/transport';
import { createSigner } from '../src/lastfm/signature';
import { SANDBOX_API_KEY, SANDBOX_SHARED_SECRET } from '../src/sandbox/credentials';
import { createSandboxRouter } from '../src/sandbox/router';
import { SandboxState } from '../src/sandbox/state';

export interface ThrottleResult {
  writes: number;
  perSecondLimit: number;
  errors29: number;
  otherErrors: number;
  elapsedSeconds: number;
  predictedSeconds: number;
  /** The most requests the stand-in saw within any one second. */
  maxSeenInOneSecond: number;
}

/**
 * A stand-in that enforces Last.fm's rule strictly: more than `limit` requests for one API key
 * within any 1,000 ms (as the stand-in sees them arrive) gets error 29. In front of it, the
 * real client with its default throttle sends a burst of love calls.
 */
export async function measureThrottle(writes = 200, limit = 5): Promise<ThrottleResult> {
  const state = new SandboxState();
  const sessionKey = state.issueSessionKey('sandbox-ada');
  const arrivals: number[] = [];
  let errors29 = 0;
  let maxSeen = 0;

  const standIn = express();
  standIn.use('/2.0/', (req, res, next) => {
    const now = performance.now();
    while (arrivals.length > 0 && now - (arrivals[0] ?? 0) >= 1000) arrivals.shift();
    if (arrivals.length >= limit) {
      errors29 += 1;
      res.status(429).json({ error: 29, message: 'Rate Limit Exceeded - Your IP has made too many requests in a short period' });
      return;
    }
    arrivals.push(now);
    maxSeen = Math.max(maxSeen, arrivals.length);
    next();
  });
  standIn.use(createSandboxRouter({ state }));
  const server = http.createServer(standIn);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  const client = new LastfmClient({
    transport: new LastfmTransport({
      apiKey: SANDBOX_API_KEY,
      apiUrl: `http://127.0.0.1:${port}/2.0/`,
      signer: createSigner(SANDBOX_SHARED_SECRET),
      userAgent: 'lastfm-sign-in-bench/1',
      timeoutMs: 10_000,
    }),
    authUrl: `http://127.0.0.1:${port}/api/auth/`,
  });

  let otherErrors = 0;
  let rateLimited = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: writes }, (_, i) =>
      client.love(sessionKey, `Artist ${i}`, `Track ${i}`).catch((error: unknown) => {
        if (error instanceof Error && 'code' in error && error.code === 29) rateLimited += 1;
        else otherErrors += 1;
      }),
    ),
  );
  const elapsedSeconds = (performance.now() - started) / 1000;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return {
    writes,
    perSecondLimit: limit,
    errors29: Math.max(errors29, rateLimited),
    otherErrors,
    elapsedSeconds,
    // The first `limit` go at once; each further `limit` waits one more second.
    predictedSeconds: Math.ceil(writes / limit) - 1,
    maxSeenInOneSecond: maxSeen,
  };
}

if (require.main === module) {
  void measureThrottle().then((result) => {
    console.log(JSON.stringify(result, null, 2));
  });
}
