import express, { type RequestHandler } from 'express';

/**
 * Form and JSON bodies, within limits a sign-in app never needs more than. A request without a
 * body (every page view) skips both parsers: the same test body-parser makes, once instead of twice.
 */
export function createBodyParser(): RequestHandler {
  const form: RequestHandler = express.urlencoded({ extended: false, limit: '32kb', parameterLimit: 100 });
  const json: RequestHandler = express.json({ limit: '32kb' });
  return (req, res, next) => {
    if (req.headers['transfer-encoding'] === undefined && req.headers['content-length'] === undefined) {
      next();
      return;
    }
    form(req, res, (error?: unknown) => {
      if (error !== undefined && error !== null) next(error);
      else json(req, res, next);
    });
  };
}
