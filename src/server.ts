import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createApp } from './app';
import { loadConfig } from './config';
import { ConfigError } from './errors';
import { createLogger } from './logger';

/** The only place that reads process.env and listens. */
function main(): void {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'info' });

  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`Cannot start: ${error.problems.join('; ')}\n`);
      process.exit(1);
    }
    throw error;
  }

  const app = createApp(config, { logger });
  const server = app.listen(config.port, config.host ?? '0.0.0.0', () => {
    const address = server.address() as AddressInfo;
    logger.info(
      { port: address.port, publicUrl: config.publicUrl.href, sandbox: config.sandbox, lastfmApi: config.lastfm.apiUrl },
      config.sandbox ? `Sandbox: not connected to Last.fm. Open ${config.publicUrl.href}` : `Listening; open ${config.publicUrl.href}`,
    );
    if (config.session.secretGenerated) logger.warn('SESSION_SECRET is not set: a random one is used, so sessions end when the app restarts');
    if (config.publicUrl.protocol === 'https:' && config.trustProxy === false) {
      logger.warn('PUBLIC_URL is https but TRUST_PROXY is not set: behind a TLS-terminating proxy the app sees http and never sets the Secure session cookie. Set TRUST_PROXY');
    }
    if (config.setupPage) logger.info(`Setup check: ${new URL('setup', config.publicUrl).href}`);
  });
  server.on('error', (error) => {
    process.stderr.write(`Cannot start: ${error.message}\n`);
    process.exit(1);
  });

  const shutdown = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    server.close(() => process.exit(0));
    server.closeIdleConnections();
    setTimeout(() => process.exit(0), 10_000).unref();
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main();
