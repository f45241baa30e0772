import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import request from 'supertest';
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
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const uncaught: unknown[] = [];
  const onUncaught = (error: unknown): void => {
    uncaught.push(error);
  };
  process.on('uncaughtException', onUncaught);
  try {
    const res = await request(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)
      .post('/')
      .field('_csrf', 'x')
      .attach('file', Buffer.alloc(8 * 1024 * 1024, 'a'), 'history.json');
    expect(res.status).toBe(400);
    // Well past the deadline: it would have fired by now.
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(uncaught).toEqual([]);
  } finally {
    process.off('uncaughtException', onUncaught);
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

/** Sends a multipart body that ends inside the file part, without its closing boundary. */
function cutOffUpload(port: number): Promise<{ status: number; text: string }> {
  const boundary = 'cutoffboundary';
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\nx\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="history.json"\r\nContent-Type: application/json\r\n\r\n[{"ts":"2026-01-01T00:00:00Z"`;
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/', headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}` } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(head);
  });
}

it('a body that ends inside the file reaches the route as a failed file stream, never as an unhandled error', async () => {
  const app = express();
  app.use(createImportUpload({ csrfMatches: () => true, deadlineMs: 5000 }));
  app.post('/', (req, res) => {
    const file = importUploadOf(req)?.file;
    if (file === undefined) {
      res.status(500).send('no file handed on');
      return;
    }
    void (async () => {
      try {
        let bytes = 0;
        for await (const chunk of file.stream) bytes += chunk.length;
        res.status(200).send(`read to the end: ${bytes} bytes`);
      } catch (error) {
        res.status(400).send(error instanceof Error ? error.message : 'failed');
      }
    })();
  });
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const uncaught: unknown[] = [];
  const onUncaught = (error: unknown): void => {
    uncaught.push(error);
  };
  process.on('uncaughtException', onUncaught);
  try {
    const res = await cutOffUpload((server.address() as AddressInfo).port);
    expect(res.status).toBe(400);
    expect(res.text).toBe('The upload was cut off or not a well-formed form.');
    expect(uncaught).toEqual([]);
  } finally {
    process.off('uncaughtException', onUncaught);
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
