import path from 'node:path';
import express, { type Express, type RequestHandler } from 'express';
import ejs from 'ejs';
import compression from 'compression';
import type { LastfmClient } from 'lastfm-sign-in';
import { createSandboxRouter, type SandboxState } from 'lastfm-sign-in/testing';
import type { Config } from './config';
import type { UserReadCache } from './lastfm/read-cache';
import { pageRefusalReason, passwordRefusalReason } from './lastfm/password-transport';
import type { SharedState } from './shared-state/shared-state';
import type { Logger } from './logger';
import { PROJECT_ROOT as ROOT } from './project-root';
import { AssetVersions } from './asset-versions';
import { createBodyParser } from './middleware/body';
import { createCsrfCheck } from './middleware/csrf';
import { VisitorTokens } from './csrf-token';
import { restoreBasePath } from './middleware/base-path';
import { createErrorHandler, notFound } from './middleware/errors';
import { createSiteLocals, createSessionLocals } from './middleware/locals';
import { noStoreWhenSignedIn } from './middleware/no-store';
import { keepSignOutsSignedOut } from './middleware/signed-out-stays';
import { createRequestLogger } from './middleware/request-log';
import { signOutRevoked } from './middleware/revoked';
import { failuresAs } from './failure-pages';
import { AccountService } from './services/account';
import { createAuthRouter, createLastfmSignIn, type PasswordLimits } from './routes/auth';
import { signInStartLimit } from './middleware/sign-in-starts';
import { readSignInWith } from './signed-in-user';
import { createDesktopPage } from './routes/desktop-page';
import { createHealthRouter } from './routes/health';
import { createHome } from './routes/home';
import { signedInOnly } from './routes/signed-in';
import { createSetupRouter } from './routes/setup';
import { createTagsRouter } from './routes/tags';
import { createImportsRouter } from './routes/imports';
import { ImportService } from './services/imports';
import { createTracksRouter } from './routes/tracks';
import { createSessionMiddleware, sessionCookie, SIGNED_OUT_SESSION_MS } from './session';
import { sessionIfAvailable } from './middleware/optional-session';
import { createEndedSessionCheck } from './middleware/ended-sessions';
import type { SessionBackend } from './stores/backend';
import type { ScrobbleOutbox } from './outbox/scrobble-outbox';
import { createBatchUpload } from './middleware/batch-upload';
import { createImportUpload } from './middleware/import-upload';
import { storeBudgetPerRequest } from './middleware/store-budget';
import type { AppMetrics } from './metrics/app-metrics';
import { countRequests } from './metrics/count-requests';
import { createMetricsRouter } from './routes/metrics';
import { refuseMalformedText } from './middleware/well-formed-text';
import { signInCallRate } from './middleware/sign-in-rate';
import { securityHeaders } from './middleware/security-headers';
import { inSequence } from './middleware/in-sequence';

/**
 * What the app works with, built by buildAppDeps (src/app-deps.ts) for server.ts, the test
 * helpers and the benches: createApp wires them to routes and starts or stops none of them.
 */
export interface AppDeps {
  /** The opened session store (createSessionStore, or createMemoryBackend). */
  sessions: SessionBackend;
  /** Cross-request state (call budget, attempt counters, exchange guard, reads): createSharedState. */
  shared: SharedState;
  /** createLastfmClient, over `shared`'s call budget. */
  lastfm: LastfmClient;
  /** Each person's reads over `shared.reads`; the outbox uses the same one. */
  readCache: UserReadCache;
  /** Where scrobbles wait for Last.fm (startScrobbleOutbox), its delivery loop running. */
  outbox: ScrobbleOutbox;
  logger: Logger;
  /** The app's time for sign-in state, attempt windows and page times. */
  now: () => number;
  /** The password flow's attempt limits; its counters live in `shared`. Undefined: 5 in 15 minutes each. */
  passwordLimits: PasswordLimits | undefined;
  /** The built-in Last.fm stand-in's memory, in sandbox mode. */
  sandboxState: SandboxState | undefined;
  /** This app's metrics registry, with METRICS=on: its collectors are already wired to the client and outbox. */
  metrics: AppMetrics | undefined;
}

const ASSET_FOLDERS = ['css', 'js', 'images'];

export function createApp(config: Config, deps: AppDeps): Express {
  const { sessions, shared, lastfm, readCache, outbox, logger, now } = deps;
  const store = sessions.store;

  const app = express();
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
  const accounts = new AccountService({ lastfm, cache: readCache, outbox });
  const signInStarts = shared.attempts('sign-in-start', signInStartLimit(config.signInStartsPerMinute));
  const signIn = createLastfmSignIn({
    config,
    lastfm,
    now,
    signInStarts,
    shared: { exchanges: shared.exchanges, attempts: (name, limit) => shared.attempts(name, limit) },
    passwordLimits: deps.passwordLimits,
    onSignIn: (user) => accounts.signedIn(user),
  });
  // What every request runs before the site's routes, as one router layer (in-sequence.ts).
  const everyRequest: RequestHandler[] = [createRequestLogger(logger), readSignInWith(signIn)];
  // The shared deadline needs AsyncLocalStorage, which on Node 20 hooks every promise in the
  // process (about 4% of a page view, measured: bench/README.md): only where a store call can wait.
  if (!(sessions.inProcess === true && shared.kind === 'memory' && outbox.kind !== 'redis')) everyRequest.push(storeBudgetPerRequest);
  if (deps.metrics !== undefined) everyRequest.push(countRequests(deps.metrics));
  // Before compression, which tells the stand-in's web service by its public path.
  if (config.basePath !== '') everyRequest.push(restoreBasePath(config.basePath));
  // gzip or brotli, as the browser asks, for whatever is worth it (HTML, CSS, JS, JSON, SVG, text).
  // Only where the request accepts an encoding: the middleware's hooks cost about a sixth of a page
  // view even when it has nothing to do (measured: bench/README.md), and a client that asks for no
  // encoding can be answered by nothing else. Nor for the built-in stand-in's web service: its
  // callers are programs, above all this app's own server-to-server calls (axios asks for gzip),
  // whose answers are mostly under compression's 1 KB threshold, yet the hooks were 6% of a sign-in.
  const compress = compression();
  const sandboxApi = config.sandbox ? `${config.basePath}/sandbox/2.0/` : undefined;
  everyRequest.push((req, res, next) => {
    if (req.headers['accept-encoding'] === undefined || (sandboxApi !== undefined && req.url.startsWith(sandboxApi))) next();
    else compress(req, res, next);
  });
  everyRequest.push(
    securityHeaders({
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
  app.use(inSequence(...everyRequest));

  const site = express.Router();
  // Only asset paths reach the static handler: at the root it would stat public/ and build a
  // 404 error object for every page view before falling through (about a tenth of a page's CPU).
  // One layer for the three folders, since every request walks past it.
  const assets = new Map(ASSET_FOLDERS.map((folder) => [folder, express.static(path.join(ROOT, 'public', folder), { index: false, fallthrough: false })]));
  const versions = new AssetVersions(path.join(ROOT, 'public'), ASSET_FOLDERS);
  // Outside development a link's ?v= names one content for good; development keeps edits live.
  const keepVersioned = config.nodeEnv !== 'development';
  site.use(
    ASSET_FOLDERS.map((folder) => `/${folder}`),
    (req, res, next) => {
      const folder = path.posix.basename(req.baseUrl);
      const serve = assets.get(folder);
      if (serve === undefined) {
        next();
        return;
      }
      // send() leaves a Cache-Control already set alone, and adds ETag and Last-Modified either way.
      const current = req.query.v !== undefined && req.query.v === versions.versionOf(`/${folder}${req.path}`);
      res.setHeader('Cache-Control', current && keepVersioned ? 'public, max-age=31536000, immutable' : 'no-cache');
      serve(req, res, next);
    },
  );
  site.use(createSiteLocals(config, versions));
  // /healthz and /readyz: probes, answered before (and without) a session.
  // Mounted on its two paths, so other requests pass it with one match instead of entering a router.
  site.get(['/healthz', '/readyz'], createHealthRouter({ ready: () => sessions.ping() }));
  if (deps.metrics !== undefined) site.use(createMetricsRouter(deps.metrics, config.metrics.token));
  // The session and the checks every request with one goes through; /setup takes them only when the store answers.
  const session = [createSessionMiddleware(config, store), keepSignOutsSignedOut(store), createEndedSessionCheck(sessions.signOuts)];
  const csrf = createCsrfCheck(new VisitorTokens(config.session.secrets, `${config.session.cookieName}.form`, { ...sessionCookie(config), maxAge: SIGNED_OUT_SESSION_MS }));
  const locals = createSessionLocals(csrf);
  if (config.setupPage) site.use('/setup', sessionIfAvailable(session, locals), createSetupRouter(config, sessions.kind, outbox.kind, lastfm, sessions.durability));
  if (config.sandbox) {
    // The stand-in serves its images itself, from this app's own origin, so the CSP's 'self' covers them.
    const sandbox = { imageBaseUrl: new URL('sandbox/assets/images/', config.publicUrl).href, appUrl: `${config.basePath}/`, assetsMaxAge: config.production ? '1h' : 0 };
    site.use('/sandbox', createSandboxRouter(deps.sandboxState === undefined ? sandbox : { ...sandbox, state: deps.sandboxState }));
  }

  // Everything below has a session.
  site.use(inSequence(...session, locals, noStoreWhenSignedIn));
  // The signed-in areas: their Last.fm failures are worded for the person's own account. Checked
  // before any body is read, so a visitor's upload is refused unread.
  site.use(['/track', '/tags'], signedInOnly, failuresAs('account'));
  site.use(createBodyParser(['/track/scrobble-batch', '/track/import']));
  site.use('/track/scrobble-batch', createBatchUpload({ csrfMatches: csrf.matches }));
  site.use('/track/import', createImportUpload({ csrfMatches: csrf.matches }));
  site.use(inSequence(csrf.verify, refuseMalformedText));

  // Sign-in and sign-out first of the routes, right after the CSRF check they rely on: the
  // library trusts every POST under /auth to have passed it (routes/auth). A sign-in's two
  // exchanges here then pass no other router (measured: bench/README.md, the sign-in round trip).
  site.use('/auth', createAuthRouter({
    config,
    signIn,
    now,
    signInCalls: shared.rateLimits('sign-in-calls', signInCallRate(config.signInCallsPerMinute)),
    signOuts: sessions.signOuts,
    discardWaiting: (user) => outbox.discard(user),
  }));
  const home = createHome({
    accounts,
    now,
    outboxRetryMaxMs: config.lastfm.outboxRetryMaxMs,
    passwordRefusal: pageRefusalReason(config.publicUrl) ?? passwordRefusalReason(config.lastfm.apiUrl, config.sandbox),
  });
  site.get('/', home.page);
  site.use('/desktop', createDesktopPage(signIn));
  site.use('/track/import', createImportsRouter({ imports: new ImportService({ lastfm, outbox, staging: shared.imports, now, maxPlays: config.lastfm.outboxMaxPerPerson }), basePath: config.basePath }));
  site.use('/track', createTracksRouter({ accounts, basePath: config.basePath, now }));
  site.use('/tags', createTagsRouter({ accounts, basePath: config.basePath }));

  // On the way to the error handler: a refused form shows the home page again; a revoked key signs out.
  site.use(home.formErrors);
  site.use(signOutRevoked(config));

  app.use(config.basePath === '' ? '/' : config.basePath, site);
  app.use(notFound);
  app.use(createErrorHandler(logger, config.basePath, config.publicUrl));
  return app;
}
