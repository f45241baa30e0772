import type { NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * Middlewares that every request runs, one after another, as one router layer. Express's router
 * matches each layer's path, builds its match and params and wraps the call for every layer a
 * request passes: for the dozen the app mounts at its root that was a tenth of a page view's CPU
 * (bench/README.md). Here each runs as the router would run it: a throw or a rejected promise
 * goes to the error handlers, `next('route')` goes on to the next one, `next('router')` leaves
 * the router.
 */
export function inSequence(...handlers: RequestHandler[]): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    let index = 0;
    // As the router reads `next(x)`: nothing, a falsy value or 'route' goes on; anything else is an error.
    const step = (error?: unknown): void => {
      if (error && error !== 'route') {
        next(error);
        return;
      }
      const handler = handlers[index];
      index += 1;
      if (handler === undefined) {
        next();
        return;
      }
      let returned: unknown;
      try {
        returned = handler(req, res, step);
      } catch (thrown) {
        step(thrown);
        return;
      }
      if (isPromise(returned)) {
        // As Express 5's router does: a handler's rejected promise is its error, a falsy reason too.
        returned.then(undefined, (reason: unknown) => step(reason || new Error('Rejected promise')));
      }
    };
    step();
  };
}

function isPromise(value: unknown): value is Promise<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
