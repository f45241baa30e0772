import type { AddressInfo } from 'node:net';
import { IncomingMessage, ServerResponse } from 'node:http';
import express from 'express';
import { createExpressServer } from '../../src/express-server';

describe('a server that makes requests with the app’s prototypes', () => {
  it('hands the app requests and responses that already have them, and Express works on them as usual', async () => {
    const { server, serve } = createExpressServer();
    const app = express();
    const seen: { request: boolean; response: boolean; node: boolean }[] = [];
    // Before serve(app): runs before Express has touched the request.
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      seen.push({ request: Object.getPrototypeOf(req) === app.request, response: Object.getPrototypeOf(res) === app.response, node: req instanceof IncomingMessage && res instanceof ServerResponse });
    });
    app.get('/hello', (req, res) => {
      res.set('X-Asked', req.get('x-ask') ?? '').type('text').send(`hello ${typeof req.query.name === 'string' ? req.query.name : ''}`);
    });
    serve(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      for (const name of ['ada', 'grace']) {
        const res = await fetch(`http://127.0.0.1:${port}/hello?name=${name}`, { headers: { 'x-ask': name } });
        expect(res.status).toBe(200);
        expect(res.headers.get('x-asked')).toBe(name);
        expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
        expect(await res.text()).toBe(`hello ${name}`);
      }
      expect(seen).toEqual([
        { request: true, response: true, node: true },
        { request: true, response: true, node: true },
      ]);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
