import express, { type RequestHandler } from 'express';

/**
 * Form and JSON bodies, within limits a sign-in app never needs more than. A request without a
 * body (every page view) skips both parsers: the same test body-parser makes, once instead of twice.
 */
export function createBodyParser(largeFormPaths: readonly string[] = []): RequestHandler {
  const smallForm: RequestHandler = express.urlencoded({ extended: false, limit: '32kb', parameterLimit: 100 });
  // The batch form takes up to 1,000 lines of names.
  const largeForm: RequestHandler = express.urlencoded({ extended: false, limit: '1mb', parameterLimit: 100 });
  const json: RequestHandler = express.json({ limit: '32kb' });
  return (req, res, next) => {
    if (req.headers['transfer-encoding'] === undefined && req.headers['content-length'] === undefined) {
      next();
      return;
    }
    const form = largeFormPaths.includes(req.path) ? largeForm : smallForm;
    form(req, res, (error?: unknown) => {
      if (error !== undefined && error !== null) next(error);
      else json(req, res, next);
    });
  };
}
