import { readFileSync } from 'node:fs';
import path from 'node:path';
import express, { type Express } from 'express';
import type { Store } from 'express-session';
import helmet from 'helmet';
import type { Config } from './config';
import { LastfmClient } from './lastfm/client';
import { createSigner } from './lastfm/signature';
import { createLogger, type Logger } from './logger';
import { verifyCsrf } from './middleware/csrf';
import { createErrorHandler, notFound } from './middleware/errors';
import { createSiteLocals, sessionLocals } from './middleware/locals';
import { createAuthRouter } from './routes/auth';
import { createHealthRouter } from './routes/health';
import { createHomeRouter } from './routes/home';
import { createSandboxRouter } from './sandbox/router';
import type { SandboxState } from './sandbox/state';
import { createSessionMiddleware } from './session';
import { createEndedSessionCheck } from './middleware/ended-sessions';
import { createSignOutEverywhereRouter } from './routes/sign-out-everywhere';
import type { SessionBackend } from './stores/backend';
import { createMemoryBackend } from './stores/memory-backend';

export interface AppDeps {
  lastfm?: LastfmClient;
  sessionStore?: Store;
  /** The opened session store (createSessionStore); without it, memory around `sessionStore`. */
  sessions?: SessionBackend;
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
    });
  const sessions = deps.sessions ?? createMemoryBackend(config, deps.sessionStore);
  const store = sessions.store;

  const app = express();
  app.disable('x-powered-by');
  app.set('view engine', 'ejs');
  app.set('views', path.join(ROOT, 'views'));
  app.set('query parser', 'simple');

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
  site.use(createHealthRouter({ ready: () => sessions.ping() }));
  if (config.sandbox) site.use('/sandbox', createSandboxRouter(deps.sandboxState === undefined ? {} : { state: deps.sandboxState }));

  site.use(createSessionMiddleware(config, store));
  site.use(createEndedSessionCheck(sessions.signOuts));
  site.use(sessionLocals);
  site.use(express.urlencoded({ extended: false, limit: '32kb', parameterLimit: 100 }));
  site.use(express.json({ limit: '32kb' }));
  site.use(verifyCsrf);
  site.use(createHomeRouter());
  site.use(createAuthRouter({ config, lastfm, now }));
  site.use(createSignOutEverywhereRouter({ config, signOuts: sessions.signOuts, now }));

  app.use(config.basePath === '' ? '/' : config.basePath, site);
  app.use(notFound);
  app.use(createErrorHandler(logger, config.basePath));
  return app;
}
