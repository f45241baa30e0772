import http, { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Express } from 'express';

/** An HTTP server for an Express app, made before the app (its port goes into the app's config). */
export interface ExpressServer {
  server: http.Server;
  /** Hands every request from now on to `app`. */
  serve: (app: Express) => void;
}

/**
 * An HTTP server whose requests and responses are made with `app.request` and `app.response` as
 * their prototypes from the start. Express 5 sets those prototypes on every request
 * (`Object.setPrototypeOf` in `app.handle`), and on Node 20 that gives each request and response a
 * new hidden class: every property read on them, in Node's HTTP code, Express and the app, then
 * misses V8's inline caches. Made with the right prototype, Express's call changes nothing. Measured
 * on the signed-in home (bench/README.md): about a sixth of a page view's CPU.
 * Everything else is Node's own: its constructors make the objects, so they are IncomingMessage and
 * ServerResponse as before.
 */
export function createExpressServer(options: http.ServerOptions = {}): ExpressServer {
  // Function constructors whose `prototype` is set once the app is known. Node's constructors are
  // called on the new object rather than through Reflect.construct, which on Node 20 made a new
  // hidden class for every object again (measured: no saving at all).
  function AppRequest(this: IncomingMessage, socket: Socket): void {
    IncomingMessage.call(this, socket);
  }
  function AppResponse(this: ServerResponse, req: IncomingMessage, responseOptions?: object): void {
    (ServerResponse as unknown as (this: ServerResponse, req: IncomingMessage, options?: object) => void).call(this, req, responseOptions);
  }
  AppRequest.prototype = IncomingMessage.prototype;
  AppResponse.prototype = ServerResponse.prototype;
  const server = http.createServer({
    ...options,
    IncomingMessage: AppRequest as unknown as typeof IncomingMessage,
    ServerResponse: AppResponse as unknown as typeof ServerResponse,
  });
  return {
    server,
    serve: (app) => {
      AppRequest.prototype = app.request;
      AppResponse.prototype = app.response;
      server.on('request', app);
    },
  };
}
