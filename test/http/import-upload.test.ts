import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import request from 'supertest';
import { HttpError } from '../../src/errors';
import { createImportUpload, importUploadOf } from '../../src/middleware/import-upload';

/*
 * The import upload hands the file on while it arrives. A route that answers before reading it
 * to the end (a refused field, an unknown format) must leave nothing behind: the upload's deadline
 * once fired later into the unread stream, and its error, with no one listening, ended the process.
 */

it('after an answer given before the file was read, the deadline passes without an unhandled error', async () => {
  const app = express();
  app.use(createImportUpload({ csrfMatches: () => true, deadlineMs: 100 }));
  app.post('/', (_req, res) => res.status(400).send('refused before reading the file'));
  await servedWatchingUncaught(app, async (port) => {
    const res = await request(`http://127.0.0.1:${port}`)
      .post('/')
      .field('_csrf', 'x')
      .attach('file', Buffer.alloc(8 * 1024 * 1024, 'a'), 'history.json');
    expect(res.status).toBe(400);
    // Well past the deadline: it would have fired by now.
    await new Promise((resolve) => setTimeout(resolve, 400));
  });
});

const BOUNDARY = 'importboundary';
const field = (name: string, value: string) => `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
const fileHead = (filename: string) => `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: application/json\r\n\r\n`;

/** Posts a hand-written multipart body, so a test can cut it off or order its parts as no browser would. */
function postRaw(port: number, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/', headers: { 'Content-Type': `multipart/form-data; boundary=${BOUNDARY}` } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * The upload in front of a route that reads the file as the import route does, after `before`
 * (the real route awaits the outbox first). Refusals answer with their status and words. Fails
 * the test if anything reaches the process as an uncaught error.
 */
async function uploadTo(body: string, before: (req: express.Request) => Promise<void> = () => Promise.resolve()): Promise<{ status: number; text: string }> {
  const app = express();
  app.use(createImportUpload({ csrfMatches: () => true, deadlineMs: 5000 }));
  app.post('/', (req, res, next) => {
    void (async () => {
      await before(req);
      const file = importUploadOf(req)?.file;
      if (file === undefined) {
        res.status(200).send('no file');
        return;
      }
      let bytes = 0;
      for await (const chunk of file.stream) bytes += chunk.length;
      res.status(200).send(`read to the end: ${bytes} bytes`);
    })().catch(next);
  });
  app.use(((error: unknown, _req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    res.status(error instanceof HttpError ? error.status : 500).send(error instanceof Error ? error.message : 'failed');
  }) as express.ErrorRequestHandler);
  return servedWatchingUncaught(app, (port) => postRaw(port, body));
}

/** Serves `app` on loopback for `run`, and fails the test if anything reaches the process as an uncaught error meanwhile. */
async function servedWatchingUncaught<T>(app: express.Express, run: (port: number) => Promise<T>): Promise<T> {
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const uncaught: unknown[] = [];
  const onUncaught = (error: unknown): void => {
    uncaught.push(error);
  };
  process.on('uncaughtException', onUncaught);
  try {
    const result = await run((server.address() as AddressInfo).port);
    expect(uncaught).toEqual([]);
    return result;
  } finally {
    process.off('uncaughtException', onUncaught);
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

describe('a malformed import upload is a 400 in words, never an uncaught error', () => {
  it('a body that ends inside the file', async () => {
    const res = await uploadTo(field('_csrf', 'x') + fileHead('history.json') + '[{"ts":"2026-01-01T00:00:00Z"');
    expect(res).toEqual({ status: 400, text: 'The upload was cut off or not a well-formed form.' });
  });

  it('a body that ends inside an empty file input (no file chosen)', async () => {
    const res = await uploadTo(field('_csrf', 'x') + fileHead('') + 'partial');
    expect(res).toEqual({ status: 400, text: 'The upload was cut off or not a well-formed form.' });
  });

  it('an unknown field after the file, refused while the route has not begun to read', async () => {
    // The route starts reading only once the whole request has been taken in, refusal and all.
    const res = await uploadTo(field('_csrf', 'x') + fileHead('history.json') + '[]\r\n' + field('zzz', '1') + `--${BOUNDARY}--\r\n`, (req) => new Promise((resolve) => (req.complete ? resolve() : req.once('end', () => resolve()))));
    expect(res.status).toBe(400);
    expect(res.text).toContain('"zzz" came after the file');
  });

  it('a form field after the file, which would otherwise be lost unsaid', async () => {
    const res = await uploadTo(field('_csrf', 'x') + fileHead('history.json') + '[]\r\n' + field('timeZone', 'Europe/Berlin') + `--${BOUNDARY}--\r\n`);
    expect(res.status).toBe(400);
    expect(res.text).toContain('"timeZone" came after the file; send the file last');
  });

  it('takes the form in its own order: token, fields, then the file', async () => {
    const res = await uploadTo(field('_csrf', 'x') + field('timeZone', 'UTC') + fileHead('history.json') + '[]\r\n' + `--${BOUNDARY}--\r\n`);
    expect(res).toEqual({ status: 200, text: 'read to the end: 2 bytes' });
  });
});
