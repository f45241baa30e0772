import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { createApp } from './app';
import { loadConfig } from './config';
import { ConfigError } from './errors';
import { createLogger } from './logger';
import { SessionStoreStartError } from './stores/backend';
import { createSessionStore } from './stores/create-session-store';
import { createSharedState } from './shared-state/create-shared-state';

/** In-flight requests get this long to finish after SIGTERM/SIGINT. */
const SHUTDOWN_GRACE_MS = 10_000;

/** The only place that reads process.env and listens. */
async function main(): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'info' });

  const devSecret = developmentSessionSecret(process.env);
  let config;
  try {
    config = loadConfig(devSecret === undefined ? process.env : { ...process.env, SESSION_SECRET: devSecret.secret });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`Cannot start: ${error.problems.join('; ')}\n`);
      process.exit(1);
    }
    throw error;
  }

  let sessions;
  try {
    sessions = await createSessionStore(config, { logger });
  } catch (error) {
    if (error instanceof SessionStoreStartError) {
      process.stderr.write(`Cannot start: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }

  const shared = createSharedState(config, sessions);
  const app = createApp(config, { logger, sessions, shared });
  const server = app.listen(config.port, config.host ?? '0.0.0.0', () => {
    const address = server.address() as AddressInfo;
    logger.info(
      { port: address.port, publicUrl: config.publicUrl.href, sandbox: config.sandbox, lastfmApi: config.lastfm.apiUrl, sessionStore: sessions.kind },
      config.sandbox ? `Sandbox: not connected to Last.fm. Open ${config.publicUrl.href}` : `Listening; open ${config.publicUrl.href}`,
    );
    if (config.session.secretGenerated) logger.warn('SESSION_SECRET is not set: a random one is used, so sessions end when the app restarts');
    if (devSecret !== undefined) logger.warn(`SESSION_SECRET is not set: using the development secret kept in ${devSecret.file} (production requires SESSION_SECRET)`);
    if (config.publicUrl.protocol === 'https:' && config.trustProxy === false) {
      logger.warn('PUBLIC_URL is https but TRUST_PROXY is not set: behind a TLS-terminating proxy the app sees http and never sets the Secure session cookie. Set TRUST_PROXY');
    }
    if (config.setupPage) logger.info(`Setup check: ${new URL('setup', config.publicUrl).href}`);
  });
  server.on('error', (error) => {
    process.stderr.write(`Cannot start: ${error.message}\n`);
    process.exit(1);
  });

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing requests in flight');
    // Keep-alive connections that fall idle while we wait would hold the server open.
    const idleSweep = setInterval(() => server.closeIdleConnections(), 100);
    const deadline = setTimeout(() => {
      logger.warn('requests still running after the grace period: closing their connections');
      server.closeAllConnections();
    }, SHUTDOWN_GRACE_MS);
    server.close(() => {
      clearInterval(idleSweep);
      clearTimeout(deadline);
      sessions
        .close()
        .catch((error: unknown) => logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'could not close the session store cleanly'))
        .finally(() => {
          logger.info('stopped');
          process.exit(0);
        });
    });
    server.closeIdleConnections();
    // Whatever still hangs (a store that will not close), the process ends.
    setTimeout(() => process.exit(0), SHUTDOWN_GRACE_MS + 5_000).unref();
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

/**
 * Outside production, a missing SESSION_SECRET is made once and kept under DATA_DIR, so the
 * default SQLite store really keeps people signed in across restarts of `npm start`.
 */
function developmentSessionSecret(env: NodeJS.ProcessEnv): { secret: string; file: string } | undefined {
  if ((env.SESSION_SECRET ?? '').trim() !== '' || env.NODE_ENV === 'production') return undefined;
  const dir = path.resolve((env.DATA_DIR ?? '').trim() || 'data');
  const file = path.join(dir, 'dev-session-secret');
  const existing = existsSync(file) ? readFileSync(file, 'utf8').trim() : '';
  if (existing.length >= 32) return { secret: existing, file };
  const secret = randomBytes(32).toString('base64url');
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return { secret, file };
}

void main();
