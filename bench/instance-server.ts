import type { AddressInfo } from 'node:net';
import { createApp } from '../src/app';
import { createExpressServer } from '../src/express-server';
import { buildAppDeps } from '../src/app-deps';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/logger';
import { createSessionStore } from '../src/stores/create-session-store';
import { serveParent } from './child';

/**
 * One instance of the real app as src/server.ts builds it (session store and shared state from
 * the environment), but pointed at whatever Last.fm the parent names in LASTFM_* and silent, for
 * the many-instances benches.
 */
async function main(): Promise<void> {
  const { server, serve } = createExpressServer();
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const config = loadConfig({
    // Every benchmark browser comes from 127.0.0.1: the rate per address would measure itself.
    SIGN_IN_CALLS_PER_MINUTE: '1000000',
    ...process.env,
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}/`,
  });
  const logger = createLogger({ level: 'silent' });
  const sessions = await createSessionStore(config, { logger });
  const deps = buildAppDeps(config, { sessions, logger });
  const app = createApp(config, deps);
  serve(app);
  serveParent(port);
}

void main();
