import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import request from 'supertest';
import { createImportUpload } from '../../src/middleware/import-upload';

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
