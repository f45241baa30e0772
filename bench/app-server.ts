import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../src/app';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/logger';
import { serveParent } from './child';

/** The real app in sandbox mode, on a loopback port, as a benchmark target. */
async function main(): Promise<void> {
  const server = http.createServer();
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const config = loadConfig({
    NODE_ENV: 'benchmark',
    HOST: '127.0.0.1',
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}/`,
    SESSION_SECRET: 'benchmark-session-secret-0123456789abcdef',
    SESSION_STORE: process.env.BENCH_STORE ?? 'memory',
    DATA_DIR: process.env.BENCH_DATA_DIR ?? '',
  });
  const app = createApp(config, { logger: createLogger({ level: 'silent' }) });
  server.on('request', app);
  serveParent(port);
}

void main();
