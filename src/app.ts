import { readFileSync } from 'node:fs';
import path from 'node:path';
import express, { type Express } from 'express';
import { MemoryStore, type Store } from 'express-session';
import helmet from 'helmet';
import type { Config } from './config';
import { LastfmClient } from './lastfm/client';
import { createSigner } from './lastfm/signature';
import { createLogger, type Logger } from './logger';
import { verifyCsrf } from './middleware/csrf';
import { restoreBasePath } from './middleware/base-path';
import { createErrorHandler, notFound } from './middleware/errors';
import { createSiteLocals, sessionLocals } from './middleware/locals';
import { createRequestLogger, currentRequestId } from './middleware/request-log';
import { createAuthRouter } from './routes/auth';
import { createHealthRouter } from './routes/health';
import { createHomeRouter } from './routes/home';
import { createSetupRouter } from './routes/setup';
import { createSandboxRouter } from './sandbox/router';
import type { SandboxState } from './sandbox/state';
import { createSessionMiddleware } from './session';

export interface AppDeps {
  lastfm?: LastfmClient;
  sessionStore?: Store;
  logger?: Logger;
  /** The sandbox's memory, so tests can look at or age it. */
  sandboxState?: SandboxState;
  now?: () => number;
}

const ROOT = path.join(__dirname, '..');
const packageJson = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };

export function createApp(config: Config, deps: AppDeps = {}): Express {
  const logger = deps.logger ?? createLogger();
  const now = deps.now ?? Date.now;
  const lastfm =
    deps.lastfm ??
    new LastfmClient({
      apiKey: config.lastfm.apiKey,
      apiUrl: config.lastfm.apiUrl,
      authUrl: config.lastfm.authUrl,
      signer: createSigner(config.lastfm.sharedSecret),
      userAgent: `${packageJson.name}/${packageJson.version} (+${config.publicUrl.href})`,
      timeoutMs: config.lastfm.timeoutMs,
      onCall: (event) => logger[event.outcome === 'ok' ? 'info' : 'warn']({ reqId: currentRequestId(), lastfm: event }, `Last.fm ${event.method} ${event.outcome}`),
    });
  const store = deps.sessionStore ?? new MemoryStore();

  const app = express();
  app.disable('x-powered-by');
  app.set('view engine', 'ejs');
  app.set('views', path.join(ROOT, 'views'));
  app.set('query parser', 'simple');
  app.set('trust proxy', config.trustProxy);
  app.use(createRequestLogger(logger));
  app.use(restoreBasePath(config.basePath));

  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          'default-src': ["'self'"],
          'script-src': ["'self'"],
          'style-src': ["'self'"],
          'img-src': ["'self'", 'data:'],
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
  site.use(express.static(path.join(ROOT, 'public'), { index: false, maxAge: config.production ? '1h' : 0 }));
  site.use(createSiteLocals(config));
  site.use(createHealthRouter());
  if (config.setupPage) site.use(createSetupRouter(config));
  if (config.sandbox) site.use('/sandbox', createSandboxRouter(deps.sandboxState === undefined ? {} : { state: deps.sandboxState }));

  site.use(createSessionMiddleware(config, store));
  site.use(sessionLocals);
  site.use(express.urlencoded({ extended: false, limit: '32kb', parameterLimit: 100 }));
  site.use(express.json({ limit: '32kb' }));
  site.use(verifyCsrf);
  site.use(createHomeRouter());
  site.use(createAuthRouter({ config, lastfm, now }));

  app.use(config.basePath === '' ? '/' : config.basePath, site);
  app.use(notFound);
  app.use(createErrorHandler(logger, config.basePath));
  return app;
}
