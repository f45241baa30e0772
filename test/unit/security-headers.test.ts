import express from 'express';
import helmet, { type HelmetOptions } from 'helmet';
import request from 'supertest';
import { securityHeaders } from '../../src/middleware/security-headers';

/** The headers an app with only this middleware answers with, minus the ones every answer has. */
async function headersFrom(middleware: express.RequestHandler): Promise<Record<string, unknown>> {
  const app = express();
  app.disable('x-powered-by');
  app.use(middleware);
  app.get('/', (_req, res) => {
    res.send('ok');
  });
  const res = await request(app).get('/').expect(200);
  const headers = { ...(res.headers as Record<string, unknown>) };
  delete headers.date;
  return headers;
}

describe('security headers worked out once', () => {
  it.each<[string, HelmetOptions]>([
    ['helmet defaults', {}],
    [
      "the app's kind of options: own CSP, HSTS off",
      {
        contentSecurityPolicy: { useDefaults: false, directives: { 'default-src': ["'self'"], 'img-src': ["'self'", 'data:', 'https://lastfm.freetls.fastly.net'], 'frame-ancestors': ["'none'"], 'upgrade-insecure-requests': [] } },
        strictTransportSecurity: false,
      },
    ],
  ])('are exactly what helmet sets itself, with %s', async (_name, options) => {
    const fromHelmet = await headersFrom(helmet(options));
    expect(Object.keys(fromHelmet).length).toBeGreaterThan(8);
    expect(await headersFrom(securityHeaders(options))).toEqual(fromHelmet);
  });

  it('refuses options helmet refuses, at start', () => {
    expect(() => securityHeaders({ contentSecurityPolicy: { directives: { 'default-src': ['self'] } } })).toThrow();
  });
});
