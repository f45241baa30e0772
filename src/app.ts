import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import express, { type Express } from 'express';
import type { Store } from 'express-session';
import ejs from 'ejs';
import helmet from 'helmet';
import type { Config } from './config';
import { LastfmClient } from './lastfm/client';
import { LastfmTransport } from './lastfm/transport';
import { systemClock, type Clock } from './lastfm/clock';
import { CallScheduler } from './lastfm/scheduler';
import { createSharedState } from './shared-state/create-shared-state';
import type { SharedState } from './shared-state/shared-state';
import type { RetryPolicy } from './lastfm/retry';
import { createSigner } from './lastfm/signature';
import { createLogger, type Logger } from './logger';
import { createBodyParser } from './middleware/body';
import { verifyCsrf } from './middleware/csrf';
import { restoreBasePath } from './middleware/base-path';
import { createErrorHandler, notFound } from './middleware/errors';
import { createSiteLocals, sessionLocals } from './middleware/locals';
import { noStoreWhenSignedIn } from './middleware/no-store';
import { keepSignOutsSignedOut } from './middleware/signed-out-stays';
import { createRequestLogger } from './middleware/request-log';
import { UserReadCache } from './lastfm/read-cache';
import { signedInOnly } from './routes/account';
import { createAccountHome } from './routes/account-home';
import { createAuthRouter } from './routes/auth';
import { createDesktopRouter } from './routes/desktop';
import { createHealthRouter } from './routes/health';
import { createHomeRouter } from './routes/home';
import { createMobileRouter, type MobileLimits } from './routes/mobile';
import { createSetupRouter } from './routes/setup';
import { createTagsRouter } from './routes/tags';
import { createTracksRouter } from './routes/tracks';
import { createSandboxRouter } from './sandbox/router';
import type { SandboxState } from './sandbox/state';
import { createSessionMiddleware } from './session';
import { createEndedSessionCheck } from './middleware/ended-sessions';
import { createSignOutEverywhereRouter } from './routes/sign-out-everywhere';
import type { SessionBackend } from './stores/backend';
import { createMemoryBackend, sealerFor } from './stores/memory-backend';
import { createOutboxStore } from './outbox/create-outbox';
import type { OutboxStore } from './outbox/outbox-store';
import { ScrobbleOutbox } from './outbox/scrobble-outbox';
import { DEFAULT_BACKOFF, type Backoff } from './outbox/delivery-outcome';
import { createBatchUpload } from './middleware/batch-upload';

export interface AppDeps {
  lastfm?: LastfmClient;
  /** Cross-request state (call budget, attempt counters, exchange guard, reads); memory when absent. */
  shared?: SharedState;
  sessionStore?: Store;
  /** The opened session store (createSessionStore); without it, memory around `sessionStore`. */
  sessions?: SessionBackend;
  logger?: Logger;
  /** The sandbox's memory, so tests can look at or age it. */
  sandboxState?: SandboxState;
  now?: () => number;
  /** Password sign-in attempt limits (tests shrink or widen them). */
  mobileLimits?: MobileLimits;
  /** Time for the Last.fm client's retry backoff, so tests can skip the waiting. */
  clock?: Clock;
  /** The Last.fm client's retry policy and back-off after error 29 (tests shorten them). */
  lastfmRetryPolicy?: RetryPolicy;
  lastfmRateLimitBackOffMs?: number;
  /** Where scrobbles wait for Last.fm (createOutboxStore); where the sessions are when absent. */
  outbox?: OutboxStore;
  /** The outbox's timing (tests shorten it): the short wait for an answer, retry backoff, lease. */
  outboxTiming?: { answerWaitMs?: number; backoff?: Backoff; leaseMs?: number; pollMs?: number };
}

/** The app's scrobble outbox, so the process that listens can stop its delivery loop on shutdown. */
export function outboxOf(app: Express): ScrobbleOutbox {
  return app.locals.outbox as ScrobbleOutbox;
}

/** The folder with package.json, views/ and public/, wherever the compiled file sits (dist/, build/src/, src/). */
function findProjectRoot(start: string): string {
  let dir = start;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`No package.json above ${start}`);
    dir = parent;
  }
  return dir;
}

const ROOT = findProjectRoot(__dirname);
const ASSET_FOLDERS = ['css', 'js', 'images'];
const packageJson = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };

export function createApp(config: Config, deps: AppDeps = {}): Express {
  const logger = deps.logger ?? createLogger();
  const now = deps.now ?? Date.now;
  const sessions = deps.sessions ?? createMemoryBackend(config, deps.sessionStore);
  const clock = deps.clock ?? systemClock;
  const shared = deps.shared ?? createSharedState(config, sessions, { budgetNow: () => clock.now(), now });
  const lastfm =
    deps.lastfm ??
    new LastfmClient({
      transport: new LastfmTransport({
        apiKey: config.lastfm.apiKey,
        apiUrl: config.lastfm.apiUrl,
        signer: createSigner(config.lastfm.sharedSecret),
        userAgent: `${packageJson.name}/${packageJson.version} (+${config.publicUrl.href})`,
        timeoutMs: config.lastfm.timeoutMs,
        onCall: (event, reqId) => logger[event.outcome === 'ok' ? 'info' : 'warn']({ reqId, lastfm: event }, `Last.fm ${event.method} ${event.outcome}`),
        // In one process every slot is freed here, which wakes the scheduler; other instances free theirs unseen.
        scheduler: new CallScheduler({ budget: shared.budget, clock, ...(shared.kind === 'memory' ? { maxPollMs: Number.POSITIVE_INFINITY } : {}) }),
        ...(deps.lastfmRateLimitBackOffMs === undefined ? {} : { rateLimitBackOffMs: deps.lastfmRateLimitBackOffMs }),
      }),
      authUrl: config.lastfm.authUrl,
      clock,
      ...(deps.lastfmRetryPolicy === undefined ? {} : { retryPolicy: deps.lastfmRetryPolicy }),
    });
  const store = sessions.store;
  const readCache = new UserReadCache(shared.reads, now);
  const timing = deps.outboxTiming ?? {};
  const outbox = new ScrobbleOutbox({
    store: deps.outbox ?? createOutboxStore(sessions),
    lastfm,
    sealer: sealerFor(config),
    cache: readCache,
    logger,
    now,
    // A claim outlives the longest call, so no second delivery sends it while the first may still hear back.
    leaseMs: timing.leaseMs ?? config.lastfm.timeoutMs + 2000,
    ...(timing.answerWaitMs === undefined ? {} : { answerWaitMs: timing.answerWaitMs }),
    backoff: timing.backoff ?? { baseMs: Math.min(DEFAULT_BACKOFF.baseMs, config.lastfm.outboxRetryMaxMs), maxMs: config.lastfm.outboxRetryMaxMs },
    ...(timing.pollMs === undefined ? {} : { pollMs: timing.pollMs }),
  });
  outbox.start();

  const app = express();
  app.locals.outbox = outbox;
  app.disable('x-powered-by');
  app.set('view engine', 'ejs');
  app.set('views', path.join(ROOT, 'views'));
  // Includes are written from the views root (`/partials/head`), which EJS resolves without
  // probing the file system on every render as it does for relative ones.
  const viewsRoot = path.join(ROOT, 'views');
  app.engine('ejs', (file: string, data: object, done: (error: Error | null, html?: string) => void) => {
    ejs.renderFile(file, data, { root: viewsRoot, cache: (data as { cache?: boolean }).cache === true }, done);
  });
  app.set('query parser', 'simple');
  // Express caches compiled templates only when NODE_ENV=production; development keeps edits live.
  app.set('view cache', config.nodeEnv !== 'development');
  app.set('trust proxy', config.trustProxy);
  app.use(createRequestLogger(logger));
  if (config.basePath !== '') app.use(restoreBasePath(config.basePath));

  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          'default-src': ["'self'"],
          'script-src': ["'self'"],
          'style-src': ["'self'"],
          // Avatars and album art: the hosts real Last.fm answers name (the last in older answers);
          // the sandbox's images are served from 'self'.
          'img-src': ["'self'", 'data:', 'https://lastfm.freetls.fastly.net', 'https://lastfm-img.freetls.fastly.net', 'https://lastfm-img2.akamaized.net'],
          'font-src': ["'self'"],
          'connect-src': ["'self'"],
          'form-action': ["'self'"],
          'frame-ancestors': ["'none'"],
          'base-uri': ["'self'"],
          'object-src': ["'none'"],
          ...(config.publicUrl.protocol === 'https:' ? { 'upgrade-insecure-requests': [] } : {}),
        },
      },
      strictTransportSecurity: config.publicUrl.protocol === 'https:',
    }),
  );

  const site = express.Router();
  // Only asset paths reach the static handler: at the root it would stat public/ and build a
  // 404 error object for every page view before falling through (about a tenth of a page's CPU).
  // One layer for the three folders, since every request walks past it.
  const assets = new Map(ASSET_FOLDERS.map((folder) => [folder, express.static(path.join(ROOT, 'public', folder), { index: false, fallthrough: false, maxAge: config.production ? '1h' : 0 })]));
  site.use(
    ASSET_FOLDERS.map((folder) => `/${folder}`),
    (req, res, next) => {
      const serve = assets.get(path.posix.basename(req.baseUrl));
      if (serve === undefined) next();
      else serve(req, res, next);
    },
  );
  site.use(createSiteLocals(config));
  site.use(createHealthRouter({ ready: () => sessions.ping() }));
  if (config.setupPage) site.use(createSetupRouter(config, sessions.kind, outbox.kind, lastfm));
  if (config.sandbox) {
    // Images are served from this app's own origin, so the CSP's 'self' covers them.
    const imageBaseUrl = new URL('images/sandbox/', config.publicUrl).href;
    site.use('/sandbox', createSandboxRouter(deps.sandboxState === undefined ? { imageBaseUrl } : { state: deps.sandboxState, imageBaseUrl }));
  }

  site.use(createSessionMiddleware(config, store));
  site.use(keepSignOutsSignedOut(store));
  site.use(createEndedSessionCheck(sessions.signOuts));
  site.use(sessionLocals);
  site.use(noStoreWhenSignedIn);
  site.use(createBodyParser(['/track/scrobble-batch']));
  site.use('/track/scrobble-batch', createBatchUpload());
  site.use(['/track', '/tags'], signedInOnly);
  site.use(verifyCsrf);
  const accountHome = createAccountHome({ config, lastfm, cache: readCache, now, outbox });
  site.use(accountHome.router);
  site.use(createHomeRouter());
  // Every sign-in ends here: scrobbles held for a new key go again with it.
  const onSignIn = (user: { name: string; key: string }) => outbox.resume(user);
  site.use(createAuthRouter({ config, lastfm, now, onSignIn }));
  site.use(createDesktopRouter({ config, lastfm, now, exchanges: shared.exchanges, onSignIn }));
  site.use(createMobileRouter({ config, lastfm, now, limits: deps.mobileLimits, shared, onSignIn }));
  site.use(createTracksRouter({ config, lastfm, cache: readCache, now, outbox }));
  site.use(createTagsRouter({ config, lastfm, cache: readCache }));
  site.use(createSignOutEverywhereRouter({ config, signOuts: sessions.signOuts, now }));

  site.use(accountHome.formErrors);

  app.use(config.basePath === '' ? '/' : config.basePath, site);
  app.use(notFound);
  app.use(createErrorHandler(logger, config.basePath));
  return app;
}
