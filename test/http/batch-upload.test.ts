import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import request from 'supertest';
import { buildApp, csrfFrom, fakeConfig } from '../helpers/app';
import { teachAccountMethods } from '../helpers/account';
import { FakeLastfm } from '../helpers/fake-lastfm';
import { signInAs } from '../helpers/sign-in';
import { createBatchUpload, MAX_UPLOAD_REQUEST_BYTES } from '../../src/middleware/batch-upload';

/*
 * The batch upload is checked before its body is read: a visitor, a missing or wrong form token, a
 * field the form does not have, a request too large or too slow each get their answer while the
 * sender is still sending, and nothing of it is kept.
 */
jest.setTimeout(20_000);

const BOUNDARY = 'b0undary';
const part = (name: string, value: string, filename?: string): string =>
  `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"${filename === undefined ? '' : `; filename="${filename}"`}\r\n\r\n${value}\r\n`;

interface Answer {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
}

/**
 * Sends the headers and the start of a multipart body and never finishes it: the answer can only
 * come from a server that decided without the rest.
 */
function unfinishedUpload(port: number, head: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/track/scrobble-batch', headers: { 'Content-Type': `multipart/form-data; boundary=${BOUNDARY}`, 'Transfer-Encoding': 'chunked', Accept: 'application/json', ...headers } });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body, headers: res.headers });
        req.destroy();
      });
    });
    req.on('error', reject);
    req.write(head);
    req.write(part('file', 'a - b\n'.repeat(1000), 'plays.txt').slice(0, -2));
  });
}

let fake: FakeLastfm;
let server: http.Server;
let port: number;
let cookie: string;
let csrf: string;

beforeEach(async () => {
  fake = await new FakeLastfm().start();
  teachAccountMethods(fake);
  const { app } = buildApp(fakeConfig(fake));
  server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  cookie = await signInAs(app, fake, 'rj');
  csrf = csrfFrom((await request(app).get('/').set('Cookie', cookie).expect(200)).text);
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await fake.stop();
});

describe('an upload is checked before it is read', () => {
  it('refuses a visitor with a 401 while the file is still arriving', async () => {
    const answer = await unfinishedUpload(port, part('_csrf', 'whatever'));
    expect(answer.status).toBe(401);
    expect(answer.body).toContain('Sign in first');
  });

  it('refuses a signed-in upload whose first field is not the form token, before the file', async () => {
    const answer = await unfinishedUpload(port, '', { Cookie: cookie });
    expect(answer.status).toBe(403);
    expect(answer.body).toContain('This form has expired');
    expect(answer.headers.connection).toBe('close');
  });

  it('refuses a wrong token in the first field or in the header at once', async () => {
    expect((await unfinishedUpload(port, part('_csrf', 'forged'), { Cookie: cookie })).status).toBe(403);
    expect((await unfinishedUpload(port, '', { Cookie: cookie, 'X-CSRF-Token': 'forged' })).status).toBe(403);
  });

  it('refuses a field the form does not have, in words', async () => {
    const answer = await unfinishedUpload(port, part('_csrf', csrf) + part('extra', 'x'), { Cookie: cookie });
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toMatchObject({ error: { message: 'This form has no field named "extra".' } });
  });

  it('refuses a body declared larger than the form can be without reading it', async () => {
    const res = await request(server)
      .post('/track/scrobble-batch')
      .set('Cookie', cookie)
      .set('X-CSRF-Token', csrf)
      .set('Accept', 'application/json')
      .attach('file', Buffer.alloc(MAX_UPLOAD_REQUEST_BYTES, 'a'), 'plays.txt');
    expect(res.status).toBe(413);
    expect((res.body as { error: { title: string } }).error.title).toBe('That file is too large');
  });

  it('takes the token from the X-CSRF-Token header, and then the file as usual', async () => {
    const res = await request(server).post('/track/scrobble-batch').set('Cookie', cookie).set('X-CSRF-Token', csrf).set('Accept', 'application/json').attach('file', Buffer.from('Björk - Jóga\n'), 'plays.txt');
    expect(res.status).toBeLessThan(300);
    expect(res.body).toMatchObject({ ok: true });
  });
});

describe('an upload too slow to arrive', () => {
  it('gets a 408 in words at the deadline, not when the sender gives up', async () => {
    const app = express();
    app.use((req, _res, next) => {
      (req as unknown as { session: { csrfToken: string } }).session = { csrfToken: 'token' };
      next();
    });
    app.use(createBatchUpload({ csrfMatches: (_req, given) => given === 'token', deadlineMs: 300 }));
    const answerWith: express.ErrorRequestHandler = (error: { status: number; message: string }, _req, res, next) => {
      if (res.headersSent) next(error);
      else res.status(error.status).json({ message: error.message });
    };
    app.use(answerWith);
    const slow = http.createServer(app);
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    try {
      const answer = await unfinishedUpload((slow.address() as AddressInfo).port, part('_csrf', 'token'));
      expect(answer.status).toBe(408);
      expect(JSON.parse(answer.body)).toMatchObject({ message: expect.stringContaining('did not arrive within 0.3 seconds') as unknown });
    } finally {
      slow.closeAllConnections();
      await new Promise<void>((resolve) => slow.close(() => resolve()));
    }
  });
});
