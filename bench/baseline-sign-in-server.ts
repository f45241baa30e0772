import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { baselineSession } from './baseline-session';
import { serveParent } from './child';
import { serveProfiler } from './cpu-profile';

declare module 'express-session' {
  interface SessionData {
    state: string;
    baselineUser: string;
  }
}

/**
 * The yardstick for the sign-in round trip: the same five HTTP exchanges as the app's web flow
 * against its built-in stand-in (login redirect, authorize page, allow, callback, and the
 * callback's call to the stand-in's web service), in bare Express 5 with express-session and a
 * keep-alive node:http client, and nothing else: no signing, CSRF, helmet, logs or sealing.
 */
async function main(): Promise<void> {
  const app = express();
  const server = http.createServer(app);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  const tokens = new Map<string, string>();
  const query = (req: express.Request, name: string): string => {
    const value: unknown = req.query[name];
    return typeof value === 'string' ? value : '';
  };

  app.use(baselineSession());
  app.get('/auth/login', (req, res) => {
    const state = randomBytes(16).toString('hex');
    req.session.state = state;
    res.redirect(303, `/sandbox/api/auth/?cb=${encodeURIComponent(`${origin}/auth/callback?state=${state}`)}`);
  });
  app.get('/sandbox/api/auth/', (req, res) => {
    const request = randomBytes(16).toString('hex');
    tokens.set(request, query(req, 'cb'));
    res.type('html').send(`<!doctype html><form method="post"><input type="hidden" name="request" value="${request}"><button name="decision" value="allow">Allow</button></form>`);
  });
  app.post('/sandbox/api/auth/', express.urlencoded({ extended: false }), (req, res) => {
    const body = req.body as Record<string, string>;
    const cb = tokens.get(body.request ?? '');
    if (cb === undefined) {
      res.status(400).send('unknown request');
      return;
    }
    tokens.delete(body.request ?? '');
    const token = randomBytes(16).toString('hex');
    tokens.set(token, body.user ?? '');
    res.redirect(303, `${cb}&token=${token}`);
  });
  app.get('/sandbox/2.0/', (req, res) => {
    const user = tokens.get(query(req, 'token'));
    tokens.delete(query(req, 'token'));
    res.json(user === undefined ? { error: 4 } : { session: { name: user, key: randomBytes(16).toString('hex'), subscriber: 0 } });
  });
  app.get('/auth/callback', (req, res, next) => {
    if (query(req, 'state') !== req.session.state) {
      res.status(400).send('bad state');
      return;
    }
    http
      .get(`${origin}/sandbox/2.0/?method=auth.getSession&format=json&token=${query(req, 'token')}`, { agent }, (answer) => {
        const parts: Buffer[] = [];
        answer.on('data', (part: Buffer) => parts.push(part));
        answer.on('end', () => {
          const body = JSON.parse(Buffer.concat(parts).toString('utf8')) as { session?: { name: string } };
          if (body.session === undefined) {
            res.status(403).send('refused');
            return;
          }
          const name = body.session.name;
          req.session.regenerate((error: unknown) => {
            if (error) {
              next(error);
              return;
            }
            req.session.baselineUser = name;
            res.redirect(303, '/');
          });
        });
      })
      .on('error', next);
  });
  if (process.env.BENCH_PROFILE === '1') serveProfiler();
  serveParent((server.address() as AddressInfo).port);
}

void main();
