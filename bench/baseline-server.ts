import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
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
  const server = http.createServer(app);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  if (process.env.BENCH_PROFILE === '1') serveProfiler();
  serveParent((server.address() as AddressInfo).port);
}

void main();
