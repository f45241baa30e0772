import express, { Router, type ErrorRequestHandler, type Request, type Response } from 'express';
import { SandboxApiError } from './api-error';
import { SANDBOX_API_KEY, SANDBOX_SHARED_SECRET } from './credentials';
import type { SandboxMethod } from './methods/types';
import { contentType, formatOf, sendAnswer, sendError, writeAnswer, type AnswerFormat } from './reply';
import { signatureMatches } from './signature-check';
import type { SandboxState } from './state';

/**
 * The stand-in's `/2.0/` endpoint. It applies Last.fm's rules in Last.fm's order: known method,
 * known API key, valid signature, then the method's own checks; it answers XML, or JSON for
 * `format=json`.
 */
export function createWebServiceRouter(state: SandboxState, methods: Readonly<Record<string, SandboxMethod>>): Router {
  const router = Router();

  // Only on /2.0/: as router.use it ran for every /sandbox path, and the authorize page's
  // stricter parser never got a body to read.
  const parseBody = express.urlencoded({ extended: false, limit: '256kb', parameterLimit: 1000 });

  router.all('/2.0/', parseBody, async (req, res) => {
    state.calls.record(methodNameOf(req));
    const format = formatOf(req);
    if (state.outage) {
      sendError(res, format, new SandboxApiError(11, 'Service Offline - This service is temporarily offline. Try again later.'), 503);
      return;
    }
    const fault = state.faults.take();
    let cutShort: CutShort | undefined;
    if (fault !== undefined) {
      switch (fault.kind) {
        case 'error':
          sendError(res, format, new SandboxApiError(fault.code, fault.message ?? `Planned failure (error ${fault.code})`));
          return;
        case 'html-500':
          res.status(500).type('html').send('<!doctype html><html><body><h1>500 Internal Server Error</h1></body></html>');
          return;
        case 'drop':
          req.socket.destroy();
          return;
        case 'malformed-json':
        case 'never-ends':
          cutShort = fault.kind;
          break;
        case 'slow':
          // The call is still carried out after the wait, even if the client gave up: as on Last.fm.
          await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
          break;
      }
    }
    try {
      const httpMethod = req.method;
      if (httpMethod !== 'GET' && httpMethod !== 'POST') throw new SandboxApiError(3, 'Invalid Method - Use GET or POST');
      const params = readParams(req);
      const name = params.method;
      if (name === undefined || name === '') throw new SandboxApiError(3, 'Invalid Method - No method with that name in this package');
      const method = Object.hasOwn(methods, name) ? methods[name] : undefined;
      if (method === undefined) throw new SandboxApiError(3, 'Invalid Method - No method with that name in this package');
      if (params.api_key !== SANDBOX_API_KEY) throw new SandboxApiError(10, 'Invalid API key - You must be granted a valid key by last.fm');
      // Unsigned reads and an unsigned auth.getToken are answered, as Last.fm answers them; a signature that was sent must be right.
      const signedCall = params.api_sig !== undefined;
      if ((signedCall || method.signed) && !signatureMatches(params, SANDBOX_SHARED_SECRET)) throw new SandboxApiError(13, 'Invalid method signature supplied');
      if (method.postOnly === true && req.method !== 'POST') throw new SandboxApiError(4, 'Authentication Failed - This method must be called with POST over HTTPS');
      const answer = await state.transact(() => method.handle({ params, httpMethod, signedCall, state }));
      const body = writeAnswer(format, answer);
      if (cutShort !== undefined) {
        sendCutShort(res, format, body, cutShort);
        return;
      }
      sendAnswer(res, format, body);
    } catch (error) {
      sendError(res, format, error);
    }
  });

  // A body the parser refuses (too large, unknown charset, malformed) is still a web service
  // answer in Last.fm's form, never the app's HTML error page. Its `format` cannot be read, so
  // only the query string can ask for JSON.
  const bodyErrors: ErrorRequestHandler = (error: unknown, req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const status = (error as { status?: unknown } | null)?.status;
    const httpStatus = typeof status === 'number' && status >= 400 && status < 500 ? status : 400;
    const format: AnswerFormat = req.query.format === 'json' ? 'json' : 'xml';
    sendError(res, format, new SandboxApiError(6, `Invalid parameters - The request body could not be read (HTTP ${httpStatus})`), httpStatus);
  };
  router.use('/2.0/', bodyErrors);

  return router;
}

/** Query and body together, each name once: Last.fm clients must never send a parameter twice. */
function readParams(req: Request): Record<string, string> {
  const params: Record<string, string> = {};
  const body: unknown = req.method === 'POST' ? req.body : undefined;
  // Last.fm clients send a POST's parameters in the body only; a query string means a client bug.
  if (req.method === 'POST' && Object.keys(req.query).length > 0) {
    throw new SandboxApiError(6, 'Invalid parameters - A POST carries its parameters in the body, not in the query string');
  }
  const sources: unknown[] = [req.query, body];
  for (const source of sources) {
    if (typeof source !== 'object' || source === null) continue;
    for (const [name, value] of Object.entries(source)) {
      if (typeof value !== 'string' || Object.hasOwn(params, name)) {
        throw new SandboxApiError(6, `Invalid parameters - ${name} was sent more than once`);
      }
      params[name] = value;
    }
  }
  return params;
}

type CutShort = 'malformed-json' | 'never-ends';

/** A never-ending answer is cut off after this long even if the client never gives up, so sockets cannot pile up. */
const NEVER_ENDS_LIMIT_MS = 5 * 60 * 1000;

/** The call was carried out, but its answer (JSON or XML) arrives cut off: ended early, or stalled for good. */
function sendCutShort(res: Response, format: AnswerFormat, whole: string, kind: CutShort): void {
  const half = whole.slice(0, Math.max(1, Math.floor(whole.length / 2)));
  res.status(200).type(contentType(format));
  if (kind === 'malformed-json') {
    res.send(half);
    return;
  }
  // Promises the whole answer, so the client keeps waiting for the rest.
  res.setHeader('Content-Length', Buffer.byteLength(whole));
  res.write(half);
  const limit = setTimeout(() => res.destroy(), NEVER_ENDS_LIMIT_MS);
  limit.unref();
  // When the client gives up (or the server closes its connections), drop the socket and the timer.
  res.once('close', () => {
    clearTimeout(limit);
    res.destroy();
  });
}

/** The method named in the query or body, for counting calls; '' when there is none. */
function methodNameOf(req: Request): string {
  const body: unknown = req.body;
  const fromBody = typeof body === 'object' && body !== null ? (body as Record<string, unknown>).method : undefined;
  const name = typeof fromBody === 'string' ? fromBody : req.query.method;
  return typeof name === 'string' ? name : '';
}
