import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Express } from 'express';
import request from 'supertest';
import { signedInAgent, teachAccountMethods } from '../helpers/account';
import { buildApp, fakeConfig } from '../helpers/app';
import { FakeLastfm } from '../helpers/fake-lastfm';

const TOKEN = 'metrics-token-for-tests-0123456789';
/** A name that must never show up in a label. */
const PERSON = 'metricsperson';

let fake: FakeLastfm;

beforeEach(async () => {
  fake = await new FakeLastfm().start();
  teachAccountMethods(fake);
});

afterEach(async () => {
  await fake.stop();
});

function appWith(env: Record<string, string>): Express {
  return buildApp(fakeConfig(fake, { METRICS: 'on', ...env }), { outboxTiming: { answerWaitMs: 300, backoff: { baseMs: 60_000, maxMs: 60_000 }, pollMs: 20 } }).app;
}

async function scrape(app: Express): Promise<string> {
  const res = await request(app).get('/metrics').set('Authorization', `Bearer ${TOKEN}`).expect(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.text;
}

/** The value of one sample, by its name and exact labels as prom-client writes them. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('GET /metrics', () => {
  it('is not there unless METRICS=on', async () => {
    const { app } = buildApp(fakeConfig(fake));
    await request(app).get('/metrics').expect(404);
  });

  it('with METRICS_TOKEN refuses a scrape without it or with another, even from this machine', async () => {
    const app = appWith({ METRICS_TOKEN: TOKEN });
    const none = await request(app).get('/metrics').expect(401);
    expect(none.headers['www-authenticate']).toBe('Bearer realm="metrics"');
    expect(none.text).not.toContain('lastfm_signin_');
    await request(app).get('/metrics').set('Authorization', `Bearer ${TOKEN}x`).expect(401);
    await request(app).get('/metrics').set('Authorization', `Basic ${Buffer.from(`u:${TOKEN}`).toString('base64')}`).expect(401);
    expect(await scrape(app)).toContain('# TYPE lastfm_signin_lastfm_calls_total counter');
  });

  it('counts a love, an error 29 with its back-off, and the call then refused unsent; labels hold route patterns, never a name', async () => {
    const app = appWith({ METRICS_TOKEN: TOKEN });
    const { agent, csrf } = await signedInAgent(app, fake, PERSON);
    await agent.post('/track/love').type('form').send({ _csrf: csrf, artist: 'Björk', track: 'Jóga' }).expect(303);
    fake.replyNextError(29, 'Rate limit exceeded');
    await agent.post('/track/love').type('form').send({ _csrf: csrf, artist: 'Björk', track: 'Hyperballad' }).expect(429);
    // Every instance now pauses 30 s, longer than a write may wait: refused at once, never sent.
    await agent.post('/track/love').type('form').send({ _csrf: csrf, artist: 'Björk', track: 'Unravel' }).expect(429);
    expect(fake.calls('track.love')).toHaveLength(2);

    const text = await scrape(app);
    expect(sample(text, 'lastfm_signin_lastfm_calls_total{method="track.love",outcome="ok",error="none"}')).toBe(1);
    expect(sample(text, 'lastfm_signin_lastfm_calls_total{method="track.love",outcome="lastfm_error",error="29"}')).toBe(1);
    expect(sample(text, 'lastfm_signin_lastfm_rate_limit_backoffs_total')).toBe(1);
    expect(sample(text, 'lastfm_signin_lastfm_calls_refused_total{reason="backing-off",priority="write"}')).toBe(1);
    expect(sample(text, 'lastfm_signin_lastfm_call_duration_seconds_count{method="track.love"}')).toBe(2);
    expect(sample(text, 'lastfm_signin_lastfm_slot_wait_seconds_count{priority="write"}')).toBe(2);
    expect(sample(text, 'lastfm_signin_lastfm_calls_waiting')).toBe(0);
    expect(sample(text, 'lastfm_signin_http_requests_total{route="/track/love",status_class="3xx"}')).toBe(1);
    expect(sample(text, 'lastfm_signin_http_requests_total{route="/track/love",status_class="4xx"}')).toBe(2);
    expect(sample(text, 'lastfm_signin_http_requests_total{route="/auth/callback",status_class="3xx"}')).toBe(1);
    expect(text).toMatch(/^process_cpu_seconds_total \d/m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds \d/m);

    const labelValues = [...text.matchAll(/\{([^}]*)\}/g)].flatMap((match) => [...(match[1] ?? '').matchAll(/="([^"]*)"/g)].map((value) => value[1] ?? ''));
    expect(labelValues.length).toBeGreaterThan(10);
    for (const value of labelValues) expect(value.toLowerCase()).not.toContain(PERSON);
    // Route labels are patterns or a folder, not the paths asked for.
    await request(app).get(`/no/such/${PERSON}`).expect(404);
    await request(app).get('/css/app.css?v=1').expect(200);
    const after = await scrape(app);
    expect(after).not.toContain(PERSON);
    expect(sample(after, 'lastfm_signin_http_requests_total{route="(none)",status_class="4xx"}')).toBe(1);
    expect(sample(after, 'lastfm_signin_http_requests_total{route="/css/*",status_class="2xx"}')).toBe(1);
  });

  it('reports the shared outbox: scrobbles waiting, the age of the oldest, and deliveries by outcome', async () => {
    let down = true;
    fake.onMethod('track.scrobble', () => (down ? [503, { error: 11, message: 'Service Offline' }] : [200, { scrobbles: { scrobble: [], '@attr': { accepted: 1, ignored: 0 } } }]));
    const app = appWith({ METRICS_TOKEN: TOKEN });
    const { agent, csrf } = await signedInAgent(app, fake, PERSON);
    await agent.post('/track/scrobble').set('Accept', 'application/json').send({ _csrf: csrf, artist: 'Björk', track: 'Waiting' }).expect(202);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const text = await scrape(app);
    expect(sample(text, 'lastfm_signin_outbox_scrobbles{state="queued"}')).toBe(1);
    expect(sample(text, 'lastfm_signin_outbox_scrobbles{state="held"}')).toBe(0);
    expect(sample(text, 'lastfm_signin_outbox_oldest_waiting_age_seconds')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'lastfm_signin_outbox_read_ok')).toBe(1);
    expect(sample(text, 'lastfm_signin_outbox_deliveries_total{outcome="retry"}')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'lastfm_signin_lastfm_calls_total{method="track.scrobble",outcome="lastfm_error",error="11"}')).toBe(1);
    down = false;
  });

  it('names exactly the metrics the README documents', async () => {
    const text = await scrape(appWith({ METRICS_TOKEN: TOKEN }));
    const served = new Set([...text.matchAll(/^# TYPE (lastfm_signin_\w+) /gm)].map((match) => match[1]));
    const readme = readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### Metrics'), readme.indexOf('\n### ', readme.indexOf('### Metrics') + 1));
    const documented = new Set([...section.matchAll(/^\| `(lastfm_signin_\w+)`/gm)].map((match) => match[1]));
    expect(served.size).toBeGreaterThanOrEqual(12);
    expect([...documented].sort()).toEqual([...served].sort());
  });
});

/** This machine's first address that is not loopback, so a request can come from elsewhere. */
const outside = Object.values(os.networkInterfaces())
  .flat()
  .find((entry) => entry !== undefined && !entry.internal && entry.family === 'IPv4')?.address;

describe('GET /metrics without METRICS_TOKEN', () => {
  it('answers a scrape from this machine', async () => {
    await request(appWith({})).get('/metrics').expect(200);
  });

  // Needs a network interface besides loopback (CI containers have one).
  (outside === undefined ? it.skip : it)('refuses one from another address, whatever X-Forwarded-For says under TRUST_PROXY=true', async () => {
    const server = http.createServer(appWith({ TRUST_PROXY: 'true' }));
    await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
    try {
      const url = `http://${outside ?? ''}:${(server.address() as AddressInfo).port}`;
      const res = await request(url).get('/metrics').set('X-Forwarded-For', '127.0.0.1').expect(403);
      expect(res.text).toBe('Without METRICS_TOKEN only this machine may scrape /metrics\n');
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
