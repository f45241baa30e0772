import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { DEMO_ACCOUNTS, SANDBOX_API_KEY } from './credentials';
import { renderPage } from './page';
import type { SandboxState } from './state';

/**
 * The stand-in's authorize page, `/api/auth/`. With `cb` (web flow) it sends the person back to
 * `cb` with a token, or without one when they decline; with `token` (desktop flow) it approves
 * that token and tells the person to go back to the app.
 */
export function createAuthorizeRouter(state: SandboxState, appUrl: string | undefined): Router {
  const router = Router();
  router.use(express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 20 }));

  router.get('/api/auth/', async (req, res, next) => {
    const { message, render } = pages(req, res, next, appUrl);
    const apiKey = single(req.query.api_key);
    const cb = single(req.query.cb);
    const token = single(req.query.token);
    if (apiKey !== SANDBOX_API_KEY) {
      message(400, 'Invalid API key', 'This authorize link does not carry the sandbox API key, so no application can be identified.');
      return;
    }
    if (token !== undefined) {
      const request = await state.transact(() => (state.isTokenOpen(token) ? state.openAuthorization({ callback: undefined, token }) : undefined));
      if (request === undefined) {
        message(400, 'Invalid or expired token', 'This token was never issued, has expired (tokens last 60 minutes) or was already used. Go back to the application and get a new one.');
        return;
      }
      render(request, undefined);
      return;
    }
    if (cb === undefined || !isHttpUrl(cb)) {
      message(400, 'No callback given', 'This authorize link has neither a `cb` (web flow) nor a `token` (desktop flow), so there is nowhere to send you afterwards.');
      return;
    }
    const request = await state.transact(() => state.openAuthorization({ callback: cb, token: undefined }));
    allowFormRedirectTo(res, new URL(cb).origin);
    render(request, cb);
  });

  router.post('/api/auth/', async (req, res, next) => {
    const { message } = pages(req, res, next, appUrl);
    const body = req.body as Record<string, unknown> | undefined;
    const request = single(body?.request);
    const allowed = single(body?.decision) === 'allow';
    const account = state.account(single(body?.user) ?? '');
    const outcome = await state.transact((): Outcome => {
      const pending = request === undefined ? undefined : state.takeAuthorization(request);
      if (pending === undefined) return { message: [400, 'This page has expired', 'Each authorize page can be answered once, within 30 minutes. Go back to the application and start again.'] };
      if (allowed && account === undefined) return { message: [400, 'Pick a demo account', 'Choose which sandbox account allows access. Go back to the application and start again.'] };
      if (pending.callback !== undefined) {
        if (!allowed || account === undefined) return { redirect: pending.callback };
        const token = state.issueToken(account.name);
        const separator = pending.callback.includes('?') ? '&' : '?';
        return { redirect: `${pending.callback}${separator}token=${encodeURIComponent(token)}` };
      }
      if (!allowed || account === undefined || pending.token === undefined) return { message: [200, 'Access declined', 'You did not allow access. You can close this tab.'] };
      if (!state.approveToken(pending.token, account.name)) {
        return { message: [400, 'Invalid or expired token', 'The token expired or was used while this page was open. Go back to the application and get a new one.'] };
      }
      return { message: [200, 'Application authorized', `You allowed access as ${account.name}. Go back to the application to finish signing in; you can close this tab.`] };
    });
    if ('redirect' in outcome) res.redirect(303, outcome.redirect);
    else message(...outcome.message);
  });

  return router;
}

/** What an answer to the authorize page leads to, decided against the state before anything is sent. */
type Outcome = { redirect: string } | { message: [status: number, title: string, text: string] };

/**
 * Chromium applies the page's `form-action` to the redirect that follows a form POST, so the
 * global `form-action 'self'` would stop the answer from reaching a client on another origin.
 * This page alone also allows the origin of the `cb` it came with. Only a plain origin is added:
 * a host with `;` or `,` could otherwise add directives or policies.
 */
function allowFormRedirectTo(res: Response, origin: string): void {
  const policy = res.getHeader('Content-Security-Policy');
  if (typeof policy !== 'string' || !/^https?:\/\/[A-Za-z0-9.\-[\]:]+$/.test(origin)) return;
  res.setHeader('Content-Security-Policy', policy.replace(/(^|;)form-action ([^;]*)/, `$1form-action $2 ${origin}`));
}

/** The authorize router's two kinds of page, for one request. */
function pages(req: Request, res: Response, next: NextFunction, appUrl: string | undefined) {
  const context = { base: req.baseUrl, appUrl };
  return {
    render: (request: string, callback: string | undefined) => renderPage(res, next, 200, 'authorize', context, { title: 'Authorize application', request, callback, accounts: DEMO_ACCOUNTS }),
    message: (status: number, title: string, text: string) => renderPage(res, next, status, 'message', context, { title, text }),
  };
}

function single(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
