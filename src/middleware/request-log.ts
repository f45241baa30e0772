import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request, RequestHandler } from 'express';
import { pinoHttp } from 'pino-http';
import type { Logger } from '../logger';
import { maskUrl } from '../log-safe-url';

/** An id a proxy or client may hand us: short, and nothing that could forge a log line or header. */
const INCOMING_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** The id of the request being handled, so lines logged deep inside (Last.fm calls) carry it too. */
const currentRequest = new AsyncLocalStorage<string>();

export function currentRequestId(): string | undefined {
  return currentRequest.getStore();
}

/** A request id for this request: the incoming `X-Request-Id` when it is a safe token, else a fresh UUID. */
export function requestIdFor(incoming: string | string[] | undefined): string {
  return typeof incoming === 'string' && INCOMING_ID.test(incoming) ? incoming : randomUUID();
}

/**
 * One JSON line per finished request, carrying its id (also sent back as `X-Request-Id`). The
 * request is logged from an allow-list: no headers at all (so no cookie or Authorization can
 * slip in), and the URL with secret-bearing query values masked.
 */
export function createRequestLogger(logger: Logger): RequestHandler {
  const httpLogger = pinoHttp({
    logger,
    quietReqLogger: true,
    wrapSerializers: false,
    genReqId: (req: IncomingMessage, res: ServerResponse) => {
      const id = requestIdFor(req.headers['x-request-id']);
      res.setHeader('X-Request-Id', id);
      return id;
    },
    serializers: {
      req: (req: Request) => ({ method: req.method, url: maskUrl(req.originalUrl), ip: req.ip }),
      res: (res: ServerResponse) => ({ statusCode: res.statusCode }),
    },
    customLogLevel: (_req, res, error) => (error !== undefined || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
    // The error handler already logged what went wrong; a made-up Error with a stack adds nothing.
    customErrorObject: (_req, res, _error, value: { responseTime: number }) => ({ res, responseTime: value.responseTime }),
    customSuccessMessage: (req, res) => `${req.method ?? ''} ${res.statusCode}`,
    customErrorMessage: (req, res) => `${req.method ?? ''} ${res.statusCode}`,
  });
  return (req, res, next) => {
    httpLogger(req, res, () => {
      currentRequest.run(typeof req.id === 'string' ? req.id : '', next);
    });
  };
}
