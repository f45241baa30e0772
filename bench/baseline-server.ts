import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createExpressServer } from '../src/express-server';
import { baselineSession } from './baseline-session';
import { serveParent } from './child';
import { serveProfiler } from './cpu-profile';

/** What the app's sign-in keeps in the session (lastfm-sign-in/express), so the baseline stores as much. */
interface WithSignIn {
  lastfm?: { user?: { name: string; key: string; subscriber: boolean; signedInAt: number } };
}

/**
 * The yardstick: bare Express 5 with express-session configured like the app's (same store kind,
 * rolling cookie), serving a page of the same size to a signed-in session, and nothing else.
 */
async function main(): Promise<void> {
  const pageBytes = Number(process.argv[2] ?? '4000');
  const page = `<!doctype html><html><body>${'x'.repeat(Math.max(0, pageBytes - 40))}</body></html>`;
  const app = express();
  app.use(baselineSession());
  app.get('/login', (req, res) => {
    (req.session as unknown as WithSignIn).lastfm = { user: { name: 'baseline', key: 'k', subscriber: false, signedInAt: Date.now() } };
    res.send('ok');
  });
  app.get('/', (req, res) => {
    res.type('html').send((req.session as unknown as WithSignIn).lastfm?.user === undefined ? 'signed out' : page);
  });
  const server = servedWithPrototypes(app);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  if (process.env.BENCH_PROFILE === '1') serveProfiler();
  serveParent((server.address() as AddressInfo).port);
}

/**
 * BENCH_BARE_PROTOTYPES=1: bare Express served as the app is (src/express-server.ts), its requests
 * made with Express's prototypes, so both sides of the comparison skip Express's per-request
 * prototype change; unset, as a bare Express app is usually served.
 */
function servedWithPrototypes(app: express.Express): http.Server {
  if (process.env.BENCH_BARE_PROTOTYPES !== '1') return http.createServer(app);
  const { server, serve } = createExpressServer();
  serve(app);
  return server;
}

void main();
