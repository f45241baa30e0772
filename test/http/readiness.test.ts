import express from 'express';
import request from 'supertest';
import { createHealthRouter } from '../../src/routes/health';

function appWith(ready: () => Promise<void>) {
  return express().use(createHealthRouter({ ready }));
}

describe('GET /readyz', () => {
  it('answers 503 without repeating the store\'s message, which can name its address', async () => {
    const app = appWith(() => Promise.reject(new Error('Redis at 10.20.30.40:6379 is not connected')));
    const res = await request(app).get('/readyz').expect(503);
    expect(res.body).toEqual({ status: 'unavailable', reason: 'session store: not answering' });
    expect(res.text).not.toContain('10.20.30.40');
  });

  it('says how long it waited when the store hangs', async () => {
    const app = appWith(() => new Promise<void>(() => undefined));
    const res = await request(app).get('/readyz').timeout(5000).expect(503);
    expect(res.body).toEqual({ status: 'unavailable', reason: 'session store: no answer within 2000 ms' });
  });

  it('answers 200 when the store does', async () => {
    await request(appWith(() => Promise.resolve())).get('/readyz').expect(200, { status: 'ready' });
  });
});
