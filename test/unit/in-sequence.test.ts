import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import request from 'supertest';
import { inSequence } from '../../src/middleware/in-sequence';

/** An app with `handler` mounted before a page that lists what ran, and an error handler that names the error. */
function appWith(handler: RequestHandler): express.Express {
  const app = express();
  app.use((_req, res, next) => {
    res.locals.ran = [];
    next();
  });
  app.use(handler);
  app.get('/', (_req, res) => {
    res.json({ ran: res.locals.ran as string[] });
  });
  const named: ErrorRequestHandler = (error: unknown, _req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    res.status(500).json({ error: error instanceof Error ? error.message : String(error), ran: res.locals.ran as string[] });
  };
  app.use(named);
  return app;
}

const step =
  (name: string): RequestHandler =>
  (_req, res, next) => {
    (res.locals.ran as string[]).push(name);
    next();
  };

describe('middlewares in sequence, as one layer', () => {
  it('runs each in order, waiting for one that goes on later, then the routes after it', async () => {
    const later: RequestHandler = (_req, res, next) => {
      (res.locals.ran as string[]).push('later');
      setImmediate(next);
    };
    const res = await request(appWith(inSequence(step('a'), later, step('b')))).get('/').expect(200);
    expect(res.body).toEqual({ ran: ['a', 'later', 'b'] });
  });

  it('sends an error passed on, a throw and a rejected promise to the error handlers, skipping the rest', async () => {
    const passed: RequestHandler = (_req, _res, next) => next(new Error('passed on'));
    const thrown: RequestHandler = () => {
      throw new Error('thrown');
    };
    const rejected: RequestHandler = async () => {
      await Promise.resolve();
      throw new Error('rejected');
    };
    for (const [failing, message] of [
      [passed, 'passed on'],
      [thrown, 'thrown'],
      [rejected, 'rejected'],
    ] as const) {
      const res = await request(appWith(inSequence(step('a'), failing, step('b')))).get('/').expect(500);
      expect(res.body).toEqual({ error: message, ran: ['a'] });
    }
  });

  it("goes on after next('route'), as the router does for middleware, and leaves the router after next('router')", async () => {
    const res = await request(appWith(inSequence(step('a'), (_req, _res, next) => next('route'), step('b')))).get('/').expect(200);
    expect(res.body).toEqual({ ran: ['a', 'b'] });
    const router = express.Router();
    router.use(inSequence(step('a'), (_req, _res, next) => next('router'), step('b')));
    router.use(step('after, in the router'));
    const left = await request(appWith(router)).get('/').expect(200);
    expect(left.body).toEqual({ ran: ['a'] });
  });
  it('reads next(false), next(0) and next(\'\') as going on, and a promise rejected with nothing as an error, as the router does', async () => {
    for (const value of [false, 0, '']) {
      const res = await request(appWith(inSequence(step('a'), (_req, _res, next) => next(value), step('b')))).get('/').expect(200);
      expect(res.body).toEqual({ ran: ['a', 'b'] });
    }
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the case under test: a rejection without an Error
    const rejectedWithNothing: RequestHandler = () => Promise.reject(false);
    const res = await request(appWith(inSequence(step('a'), rejectedWithNothing, step('b')))).get('/').expect(500);
    expect(res.body).toEqual({ error: 'Rejected promise', ran: ['a'] });
  });

  it("goes on after a throw of 'route', as after next('route')", async () => {
    const throwsRoute: RequestHandler = () => {
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- the case under test: what the router reads as next('route')
      throw 'route';
    };
    const res = await request(appWith(inSequence(step('a'), throwsRoute, step('b')))).get('/').expect(200);
    expect(res.body).toEqual({ ran: ['a', 'b'] });
  });
});
