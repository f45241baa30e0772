import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from '../logger';
import { maskUrl } from '../log-safe-url';

/** When the request began, on its response, for the log line's responseTime. */
const STARTED = Symbol('request started');

declare module 'node:http' {
  interface IncomingMessage {
    /** This request's id: also in the `X-Request-Id` response header and on every log line about it. */
    id?: string;
  }
  interface ServerResponse {
    [STARTED]?: number;
  }
}

/** An id a proxy or client may hand us: short, and nothing that could forge a log line or header. */
const INCOMING_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** A request id for this request: the incoming `X-Request-Id` when it is a safe token, else a fresh UUID. */
export function requestIdFor(incoming: string | string[] | undefined): string {
  return typeof incoming === 'string' && INCOMING_ID.test(incoming) ? incoming : randomUUID();
}

type Level = 'info' | 'warn' | 'error';

function levelFor(statusCode: number): Level {
  return statusCode >= 500 ? 'error' : statusCode >= 400 ? 'warn' : 'info';
}

/**
 * One JSON line per finished request, carrying its id (also sent back as `X-Request-Id`). The
 * request is logged from an allow-list: no headers at all (so no cookie or Authorization can
 * slip in), and the URL with secret-bearing query values masked.
 *
 * Written here rather than with pino-http: that builds a child logger and runs its serializers
 * for every request even when the line is not written, about 5% of a page view's CPU.
 */
export function createRequestLogger(logger: Logger): RequestHandler {
  // One listener for every response, with what it needs kept on the response, rather than a
  // closure and a `once` wrapper made for each request: this runs on every page view.
  function logClosed(this: Response): void {
    const level = levelFor(this.statusCode);
    if (!logger.isLevelEnabled(level)) return;
    const { req } = this;
    // A response that closed before it finished was cut off: the client went away or the socket broke.
    const aborted = !this.writableFinished;
    logger[level](
      { reqId: req.id, req: requestFields(req), res: { statusCode: this.statusCode }, responseTime: Math.round(performance.now() - (this[STARTED] ?? 0)), ...(aborted ? { aborted } : {}) },
      `${req.method} ${String(this.statusCode)}${aborted ? ' (aborted)' : ''}`,
    );
  }
  return (req, res, next) => {
    const id = requestIdFor(req.headers['x-request-id']);
    req.id = id;
    res.setHeader('X-Request-Id', id);
    res[STARTED] = performance.now();
    // 'close' comes after 'finish' for every response, and alone for one cut off: one listener is enough.
    res.on('close', logClosed);
    next();
  };
}

function requestFields(req: Request): { method: string; url: string; ip: string | undefined } {
  return { method: req.method, url: maskUrl(req.originalUrl), ip: req.ip };
}
