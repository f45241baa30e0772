import { Router } from 'express';
import { createAuthorizeRouter } from './authorize';
import { DEMO_ACCOUNTS, SANDBOX_API_KEY, SANDBOX_SHARED_SECRET } from './credentials';
import { authMethods } from './methods/auth';
import { tagMethods } from './methods/tags';
import { trackMethods } from './methods/track';
import type { SandboxMethod } from './methods/types';
import { userMethods } from './methods/user';
import { SandboxState } from './state';
import { createWebServiceRouter } from './web-service';

export interface SandboxOptions {
  state?: SandboxState;
  /** Extra web service methods, by Last.fm method name. */
  methods?: Record<string, SandboxMethod>;
  /** Absolute URL the stand-in's avatars and covers are served from, ending in `/`. */
  imageBaseUrl?: string;
}

/** The built-in Last.fm stand-in, mounted under `/sandbox` in sandbox mode only. */
export function createSandboxRouter(options: SandboxOptions = {}): Router {
  const state = options.state ?? new SandboxState();
  if (options.imageBaseUrl !== undefined) state.imageBaseUrl = options.imageBaseUrl;
  const router = Router();
  router.get('/', (_req, res) => {
    res.render('sandbox/index', { title: 'Last.fm sandbox', apiKey: SANDBOX_API_KEY, sharedSecret: SANDBOX_SHARED_SECRET, accounts: DEMO_ACCOUNTS });
  });
  router.use(createWebServiceRouter(state, { ...authMethods, ...userMethods, ...trackMethods, ...tagMethods, ...options.methods }));
  router.use(createAuthorizeRouter(state));
  return router;
}
