import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { createApp } from './app';
import { buildAppDeps } from './app-deps';
import { loadConfig, type Config } from './config';
import { dotEnvProblem } from './config/dotenv';
import { configWarnings } from './config/warnings';
import { DEVELOPMENT_SECRET_FILE, keepDevelopmentSecret } from './development-secret';
import { ConfigError } from './errors';
import { describeFileError } from './file-errors';
import { describeListenError } from './listen-errors';
import { createExpressServer } from './express-server';
import { createStdoutDestination } from './log-destination';
import { createLogger, type Logger } from './logger';
import { SessionStoreStartError } from './stores/backend';
import type { DurabilityReport } from './stores/redis-durability';
import { createSessionStore } from './stores/create-session-store';
import { messageOf } from './error-message';

/**
 * After SIGTERM/SIGINT, requests under way get this long to finish; then the outbox's calls in
 * flight are answered and its leases handed back; the process is gone within STOP_LIMIT_MS
 * (Docker and Kubernetes send SIGKILL after 10 s).
 */
const REQUEST_GRACE_MS = 8000;
const STOP_LIMIT_MS = 9500;

/** The only place that reads process.env and listens. */
async function main(): Promise<void> {
  loadDotEnv();
  let config: Config;
  try {
    config = loadConfig(process.env, { developmentSecret: keepDevelopmentSecret });
  } catch (error) {
    if (error instanceof ConfigError) refuseToStart(error.problems.join('; '));
    throw error;
  }
  const logger = createLogger({ level: config.logLevel, destination: createStdoutDestination() });

  let sessions;
  try {
    sessions = await createSessionStore(config, { logger });
  } catch (error) {
    if (error instanceof SessionStoreStartError) refuseToStart(error.message);
    throw error;
  }

  if (sessions.durability !== undefined) await reportDurability(sessions.durability, logger);

  const deps = buildAppDeps(config, { sessions, logger });
  const app = createApp(config, deps);
  // Requests made with Express's prototypes from the start: see express-server.ts.
  const { server, serve } = createExpressServer();
  serve(app);
  const host = config.host ?? '0.0.0.0';
  try {
    await listen(server, config.port, host);
  } catch (error) {
    await sessions.close().catch(() => undefined);
    refuseToStart(describeListenError(error, config.port, host));
  }
  const address = server.address() as AddressInfo;
  logger.info(
    { port: address.port, publicUrl: config.publicUrl.href, sandbox: config.sandbox, lastfmApi: config.lastfm.apiUrl, sessionStore: sessions.kind },
    config.sandbox ? `Sandbox: not connected to Last.fm. Open ${config.publicUrl.href}` : `Listening; open ${config.publicUrl.href}`,
  );
  if (config.session.secretSource === 'generated') logger.warn('SESSION_SECRET is not set: a random one is used, so sessions end when the app restarts');
  if (config.session.secretSource === 'development-file') {
    logger.warn(`SESSION_SECRET is not set: using the development secret kept in ${path.join(config.session.dataDir, DEVELOPMENT_SECRET_FILE)} (production requires SESSION_SECRET)`);
  }
  for (const warning of configWarnings(config)) logger.warn(warning);
  if (config.setupPage) logger.info(`Setup check: ${new URL('setup', config.publicUrl).href}`);
  server.on('error', (error) => logger.error({ err: error.message }, 'server error'));

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing requests in flight');
    // From now on nothing new is claimed from the outbox (a request under way answers "queued"
    // for what it has not sent); calls already sent are answered and recorded.
    const outboxStopped = deps.outbox.stop();
    // Keep-alive connections that fall idle while we wait would hold the server open.
    const idleSweep = setInterval(() => server.closeIdleConnections(), 100);
    const deadline = setTimeout(() => {
      logger.warn('requests still running after the grace period: closing their connections');
      server.closeAllConnections();
    }, REQUEST_GRACE_MS);
    server.close(() => {
      clearInterval(idleSweep);
      clearTimeout(deadline);
      // Every outbox call under way is answered and recorded, and its lease handed back, before the store closes.
      outboxStopped
        .then(() => sessions.close())
        .catch((error: unknown) => logger.warn({ err: messageOf(error) }, 'could not close the session store cleanly'))
        .finally(() => {
          logger.info('stopped');
          process.exit(0);
        });
    });
    server.closeIdleConnections();
    // Whatever still hangs (a Last.fm call slower than the limit, a store that will not close), the
    // process ends; a call cut off here is marked as sent without an answer and tried again.
    setTimeout(() => {
      logger.warn('still stopping after the time limit: exiting now');
      process.exit(0);
    }, STOP_LIMIT_MS).unref();
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

/** Reads .env from the working directory; variables already in the environment win. */
function loadDotEnv(): void {
  if (!existsSync('.env')) return;
  let problem: string | undefined;
  try {
    problem = dotEnvProblem(readFileSync('.env', 'utf8'));
    if (problem === undefined) process.loadEnvFile('.env');
  } catch (error) {
    refuseToStart(`cannot read .env: ${describeFileError(error)}`);
  }
  if (problem !== undefined) refuseToStart(problem);
}

/** One warning line for each Redis setting that could lose acknowledged scrobbles; the app runs on regardless. */
async function reportDurability(check: () => Promise<DurabilityReport>, logger: Logger): Promise<void> {
  const report = await check();
  if (!report.checked) {
    logger.info({ redis: { configGet: report.reason } }, 'Redis does not let this app read its settings (CONFIG GET), so whether it keeps queued scrobbles cannot be checked from here: make sure it runs with appendonly yes and maxmemory-policy noeviction');
    return;
  }
  for (const warning of report.warnings) logger.warn({ redis: { check: warning.code } }, warning.message);
}

function listen(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Bad configuration ends the app with one line that names what to change, never a stack trace. */
function refuseToStart(problem: string): never {
  process.stderr.write(`Cannot start: ${problem}\n`);
  process.exit(1);
}

void main();
