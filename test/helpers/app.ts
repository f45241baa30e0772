import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import type { Express } from 'express';
import request from 'supertest';
import type { Store } from 'express-session';
import { systemClock, type Clock, type RetryPolicy } from 'lastfm-sign-in';
import { DEMO_ACCOUNTS, SANDBOX_SHARED_SECRET, SandboxState } from 'lastfm-sign-in/testing';
import { createApp } from '../../src/app';
import { createExpressServer } from '../../src/express-server';
import { buildAppDeps } from '../../src/app-deps';
import { loadConfig, type Config } from '../../src/config';
import { createLogger, type Logger } from '../../src/logger';
import type { OutboxTiming } from '../../src/outbox/start-outbox';
import type { PasswordLimits } from '../../src/routes/auth';
import type { SharedState } from '../../src/shared-state/shared-state';
import type { SessionBackend } from '../../src/stores/backend';
import { createMemoryBackend } from '../../src/stores/memory-backend';
import { FAKE_API_KEY, FAKE_SECRET, type FakeLastfm } from './fake-lastfm';
import { recordFixedSecrets, recordLogLines, watchSandbox } from './log-audit';

export const TEST_SESSION_SECRET = 'test-session-secret-0123456789abcdefghij';

recordFixedSecrets([TEST_SESSION_SECRET, FAKE_SECRET, SANDBOX_SHARED_SECRET, ...DEMO_ACCOUNTS.map((account) => account.password)]);

/** Config for an app that talks to the given fake Last.fm. */
export function fakeConfig(fake: FakeLastfm, env: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    PUBLIC_URL: 'http://127.0.0.1:3999/',
    LASTFM_API_KEY: FAKE_API_KEY,
    LASTFM_SHARED_SECRET: FAKE_SECRET,
    LASTFM_API_URL: fake.apiUrl,
    LASTFM_AUTH_URL: fake.authUrl,
    SESSION_SECRET: TEST_SESSION_SECRET,
    ...env,
  });
}

/** Collects log lines so tests can assert on (and search) what the app logged. */
export class LogCapture {
  readonly lines: string[] = [];
  readonly stream = new Writable({
    write: (chunk: Buffer, _encoding, done) => {
      const lines = chunk.toString('utf8').split('\n').filter(Boolean);
      this.lines.push(...lines);
      recordLogLines(lines);
      done();
    },
  });
  get text(): string {
    return this.lines.join('\n');
  }
}

/** What a test may give or change; buildApp builds the app's collaborators from it, as src/server.ts does. */
export interface TestAppDeps {
  shared?: SharedState;
  /** Wrapped in a memory backend when `sessions` is absent. */
  sessionStore?: Store;
  sessions?: SessionBackend;
  logger?: Logger;
  /** The sandbox's memory, so tests can look at or age it. */
  sandboxState?: SandboxState;
  now?: () => number;
  mobileLimits?: PasswordLimits;
  /** Time for the call budget and the Last.fm client's retry backoff, so tests can skip the waiting. */
  clock?: Clock;
  lastfmRetryPolicy?: RetryPolicy;
  lastfmRateLimitBackOffMs?: number;
  outboxTiming?: OutboxTiming;
}

export function buildApp(config: Config, deps: TestAppDeps = {}): { app: Express; logs: LogCapture } {
  const logs = new LogCapture();
  const sandboxState = config.sandbox ? (deps.sandboxState ?? new SandboxState()) : undefined;
  if (sandboxState !== undefined) watchSandbox(sandboxState);
  const logger = deps.logger ?? createLogger({ level: 'debug', destination: logs.stream });
  const app = createApp(
    config,
    buildAppDeps(config, {
      sessions: deps.sessions ?? createMemoryBackend(config, deps.sessionStore),
      logger,
      ...(deps.now === undefined ? {} : { now: deps.now }),
      ...(deps.shared === undefined ? {} : { shared: deps.shared }),
      clientTiming: {
        clock: deps.clock ?? systemClock,
        ...(deps.lastfmRetryPolicy === undefined ? {} : { retryPolicy: deps.lastfmRetryPolicy }),
        ...(deps.lastfmRateLimitBackOffMs === undefined ? {} : { rateLimitBackOffMs: deps.lastfmRateLimitBackOffMs }),
      },
      ...(deps.outboxTiming === undefined ? {} : { outboxTiming: deps.outboxTiming }),
      ...(deps.mobileLimits === undefined ? {} : { passwordLimits: deps.mobileLimits }),
      ...(sandboxState === undefined ? {} : { sandboxState }),
    }),
  );
  return { app, logs };
}

/** The hidden `_csrf` value of the first form in a page. */
export function csrfFrom(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (match?.[1] === undefined) throw new Error('no CSRF field in the page');
  return match[1];
}

/** The session cookie's id, from a response's Set-Cookie header. */
export function sessionCookie(response: request.Response, name: string): string | undefined {
  const raw = response.headers['set-cookie'] as unknown;
  const cookies = Array.isArray(raw) ? (raw as string[]) : typeof raw === 'string' ? [raw] : [];
  const cookie = cookies.find((c) => c.startsWith(`${name}=`));
  return cookie?.split(';')[0]?.slice(name.length + 1);
}

/** Runs the whole app on a real loopback port, in sandbox mode, as `npm start` would. */
export async function startSandboxServer(env: Record<string, string> = {}, deps: TestAppDeps = {}): Promise<{ baseUrl: string; config: Config; logs: LogCapture; close: () => Promise<void> }> {
  // Served as server.ts serves it (express-server.ts).
  const { server, serve } = createExpressServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const config = loadConfig({ NODE_ENV: 'test', HOST: '127.0.0.1', PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}/`, ...env });
  const { app, logs } = buildApp(config, deps);
  serve(app);
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    config,
    logs,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
