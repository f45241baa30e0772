import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import { isLastfmFailure, kindOfCode } from 'lastfm-sign-in';
import { SignInError } from 'lastfm-sign-in/express';
import { AccessRevokedError, HttpError, LastfmBusyError, LastfmError, LastfmUnavailableError, SessionStoreUnavailableError } from '../errors';
import { pageFor, sessionStoreOutage, signInFailurePage, type FailureContext } from '../failure-pages';
import { withoutUrlCredentials } from '../log-safe-url';
import type { Logger } from '../logger';
import { isStoreFailure } from '../stores/store-failure';
import { wantsJson } from '../wants-json';

export const notFound: RequestHandler = (req, _res, next) => {
  next(new HttpError(404, 'Page not found', `There is nothing at ${req.path}.`, { action: { href: '/', label: 'Back to the start page' } }));
};

/**
 * Body-parser, router and similar errors carry a 4xx `status`. Not all set `expose` (the router's
 * URIError for a broken escape in a path parameter does not), so the status alone decides; their
 * message is never shown, only a generic one.
 */
interface ClientError {
  status: number;
}

function isClientError(error: unknown): error is ClientError {
  if (typeof error !== 'object' || error === null) return false;
  const { status } = error as Partial<ClientError>;
  return typeof status === 'number' && Number.isInteger(status) && status >= 400 && status < 500;
}

/** How long an answer whose request failed after it was sent may take to end before it is cut. */
const UNFINISHED_ANSWER_MS = 5000;

/** `site` is PUBLIC_URL, for the pages that name it. */
export function createErrorHandler(logger: Logger, basePath: string, site: URL): ErrorRequestHandler {
  // Four parameters, or Express would not take it for an error handler.
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  return (thrown: unknown, req, res, _next) => {
    // Whichever store failed (sessions, outbox, shared state) and however: the same 503.
    // The sign-in reports a store that failed under it as its own error, with the store's as the cause.
    const failed = thrown instanceof SignInError && thrown.code === 'session-unavailable' && thrown.cause !== undefined ? thrown.cause : thrown;
    const error = isStoreFailure(failed) ? sessionStoreOutage(SessionStoreUnavailableError.from(failed)) : failed;
    // The request id ties these lines to the request's own log line and to the id on the page.
    const log = logger.child({ reqId: req.id });
    if (res.headersSent) {
      // Too late for a page (the session save at the end of a request, say): one line, never
      // Express's own multi-line stack. The session's save still ends the answer (compression may
      // take a moment over it); one that never ends is cut rather than left hanging.
      log.warn({ failure: describe(thrown), status: res.statusCode, path: req.path }, 'failed after the answer was sent');
      if (!res.writableFinished) {
        const cut = setTimeout(() => res.destroy(), UNFINISHED_ANSWER_MS);
        cut.unref();
        res.once('close', () => clearTimeout(cut));
      }
      return;
    }
    const httpError = toHttpError(error instanceof SignInError ? signInFailurePage(error, (res.locals.failureContext as FailureContext | undefined) ?? 'web-sign-in', site) : error, res, log);
    if (httpError.status >= 500) {
      // Once per failure. Not under `err`: pino's error serializer would turn the description
      // back into a whole error object (stack and every extra field).
      const fields = { failure: describe(error), status: httpError.status, path: req.path };
      if (isExpected(error)) log.warn(fields, httpError.title);
      else log.error(fields, 'unhandled error');
    }
    send(res, httpError, basePath, wantsJson(req), typeof req.id === 'string' ? req.id : '', log);
  };
}

function toHttpError(error: unknown, res: Response, logger: Logger): HttpError {
  if (error instanceof HttpError) {
    logLastfmCause(error.cause, logger);
    return error;
  }
  const page = pageFor(error, res);
  if (page !== undefined) {
    logLastfmCause(page.cause, logger);
    return page;
  }
  if (isClientError(error)) {
    if (error.status === 404) return new HttpError(404, 'Page not found', 'There is no such file here.', { action: { href: '/', label: 'Back to the start page' } });
    const tooLarge = error.status === 413;
    return new HttpError(error.status, tooLarge ? 'That was too much to send' : 'The request could not be read', tooLarge ? 'The form or request body is larger than this app accepts.' : 'The request body was malformed or of an unsupported type.');
  }
  return new HttpError(500, 'Something went wrong', 'An unexpected error happened on our side. It has been logged; please try again.');
}

/** Errors this app made or understood; anything else is a bug worth an error-level line. */
function isExpected(error: unknown): boolean {
  return error instanceof HttpError || error instanceof AccessRevokedError || error instanceof SignInError || isLastfmFailure(error);
}

/** Operator problems get a loud line; a Last.fm bug-class error is logged so it can be fixed. */
function logLastfmCause(cause: unknown, logger: Logger): void {
  if (!(cause instanceof LastfmError)) return;
  const kind = kindOfCode(cause.code);
  if (kind === 'api-key') logger.error({ lastfm: { method: cause.method, code: cause.code } }, 'OPERATOR: Last.fm refused the API key (invalid or suspended): check LASTFM_API_KEY');
  else if (kind === 'bug') logger.error({ lastfm: { method: cause.method, code: cause.code } }, 'Last.fm says the request was malformed or wrongly signed: check LASTFM_SHARED_SECRET and the request');
}

/** Only names, codes and messages: never a whole error object that might hold request data. */
function describe(error: unknown): Record<string, unknown> {
  if (error instanceof HttpError) return { type: error.name, message: error.message, cause: error.cause === undefined ? undefined : describe(error.cause) };
  if (error instanceof LastfmError) return { type: error.name, code: error.code, method: error.method, httpStatus: error.httpStatus };
  if (error instanceof LastfmUnavailableError) return { type: error.name, reason: error.reason, method: error.method, httpStatus: error.httpStatus };
  if (error instanceof LastfmBusyError) return { type: error.name, reason: error.reason, method: error.method };
  // A driver's message may quote its connection URL.
  if (error instanceof Error) return { type: error.name, message: withoutUrlCredentials(error.message) };
  return { type: typeof error };
}

function send(res: Response, error: HttpError, basePath: string, json: boolean, requestId: string, logger: Logger): void {
  res.status(error.status);
  if (error.retryAfterSeconds !== undefined) res.set('Retry-After', String(error.retryAfterSeconds));
  const action = error.action && { label: error.action.label, href: error.action.href.startsWith('/') ? `${basePath}${error.action.href}` : error.action.href };
  if (json) {
    res.json({ error: { status: error.status, title: error.title, message: error.message, action, requestId } });
    return;
  }
  // The failure may have happened before the locals middleware ran (a session store error, say).
  res.locals.url ??= (path: string) => `${basePath}${path}`;
  // Unversioned there: the asset is then revalidated rather than kept.
  res.locals.asset ??= (path: string) => `${basePath}${path}`;
  res.locals.sandbox ??= false;
  res.render('error', { title: `Error: ${error.title}`, heading: error.title, status: error.status, message: error.message, action, requestId }, (renderError: Error | null, html?: string) => {
    if (renderError !== null || html === undefined) {
      logger.warn({ failure: renderError === null ? { type: 'no html' } : describe(renderError), status: error.status }, 'error page could not be rendered; sent plain text');
      res.type('text/plain').send(`${error.title}\n\n${error.message}\n\nRequest id: ${requestId}\n`);
      return;
    }
    res.send(html);
  });
}
