import express, { Router } from 'express';
import { createAuthorizeRouter } from './authorize';
import { DEMO_ACCOUNTS, SANDBOX_API_KEY, SANDBOX_SHARED_SECRET } from './credentials';
import { SANDBOX_METHODS } from './methods';
import { ASSETS, renderPage } from './page';
import { SandboxState } from './state';
import { createWebServiceRouter } from './web-service';

export interface SandboxOptions {
  state?: SandboxState;
  /** Absolute URL the stand-in's avatars and covers are served from, ending in `/` (its own `assets/images/`). */
  imageBaseUrl?: string;
  /** The host's page the stand-in's "Back to the app" link leads to; no such link without one. */
  appUrl?: string;
  /** How long browsers may keep the stand-in's stylesheet and images (express.static's `maxAge`; default 0). */
  assetsMaxAge?: number | string;
}

/**
 * The Last.fm stand-in as a router: its web service at `2.0/`, its authorize page at
 * `api/auth/`, a page about it at `/` and its own stylesheet and images under `assets/`. Mount
 * it anywhere (this app mounts it at `/sandbox` in sandbox mode); it renders its own pages, so
 * the host needs no view engine.
 */
export function createSandboxRouter(options: SandboxOptions = {}): Router {
  const state = options.state ?? new SandboxState();
  if (options.imageBaseUrl !== undefined) state.imageBaseUrl = options.imageBaseUrl;
  const router = Router();
  router.use('/assets', express.static(ASSETS, { index: false, fallthrough: false, maxAge: options.assetsMaxAge ?? 0 }));
  router.get('/', (req, res, next) => {
    renderPage(res, next, 200, 'index', { base: req.baseUrl, appUrl: options.appUrl }, { title: 'About', apiKey: SANDBOX_API_KEY, sharedSecret: SANDBOX_SHARED_SECRET, accounts: DEMO_ACCOUNTS, methods: Object.keys(SANDBOX_METHODS), outage: state.outage });
  });
  // The switch that makes the stand-in play a Last.fm outage, to see what a client does then.
  router.post('/outage', express.urlencoded({ extended: false, limit: '1kb', parameterLimit: 5 }), (req, res) => {
    // Only from the sandbox page itself: another site must not flip it for a visitor.
    const site = req.get('sec-fetch-site');
    if (site !== undefined && site !== 'same-origin') {
      res.status(403).type('text').send('The sandbox switch works from the sandbox page only.');
      return;
    }
    state.outage = (req.body as Record<string, unknown> | undefined)?.down === 'on';
    res.redirect(303, './');
  });
  router.use(createWebServiceRouter(state, SANDBOX_METHODS));
  router.use(createAuthorizeRouter(state, options.appUrl));
  return router;
}
