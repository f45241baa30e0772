import express, { Router } from 'express';
import { createAuthorizeRouter } from './authorize';
import { DEMO_ACCOUNTS, SANDBOX_API_KEY, SANDBOX_SHARED_SECRET } from './credentials';
import { SANDBOX_METHODS } from './methods';
import { SandboxState } from './state';
import { createWebServiceRouter } from './web-service';

export interface SandboxOptions {
  state?: SandboxState;
  /** Absolute URL the stand-in's avatars and covers are served from, ending in `/`. */
  imageBaseUrl?: string;
}

/** The built-in Last.fm stand-in, mounted under `/sandbox` in sandbox mode only. */
export function createSandboxRouter(options: SandboxOptions = {}): Router {
  const state = options.state ?? new SandboxState();
  if (options.imageBaseUrl !== undefined) state.imageBaseUrl = options.imageBaseUrl;
  const router = Router();
  router.get('/', (_req, res) => {
    res.render('sandbox/index', { title: 'About', apiKey: SANDBOX_API_KEY, sharedSecret: SANDBOX_SHARED_SECRET, accounts: DEMO_ACCOUNTS, methods: Object.keys(SANDBOX_METHODS), outage: state.outage });
  });
  // The switch that makes the stand-in play a Last.fm outage, to see what the app does then.
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
  router.use(createAuthorizeRouter(state));
  return router;
}
