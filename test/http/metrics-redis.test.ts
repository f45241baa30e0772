import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { TEST_SESSION_SECRET } from '../helpers/app';
import { TestRedis } from '../helpers/redis-server';
import { ServerProcess } from '../helpers/server-process';
import { StandIn, passwordSignIn } from '../helpers/stand-in';

/* Two server processes on one Redis: the outbox gauges are the shared store's, the same on both. */
jest.setTimeout(60_000);

let redis: TestRedis;
let standIn: StandIn;
let cwd: string;
const servers: ServerProcess[] = [];

beforeAll(async () => {
  redis = await new TestRedis().start();
  standIn = await new StandIn().start();
  cwd = mkdtempSync(path.join(os.tmpdir(), 'metrics-redis-'));
  for (let i = 0; i < 2; i += 1) {
    servers.push(await ServerProcess.start({ NODE_ENV: 'test', METRICS: 'on', SESSION_SECRET: TEST_SESSION_SECRET, SESSION_STORE: 'redis', REDIS_URL: redis.url, OUTBOX_RETRY_MAX_MS: '60000', ...standIn.env }, cwd));
  }
});

afterAll(async () => {
  for (const server of servers) {
    server.kill();
    await server.exit(10_000);
  }
  await standIn.stop();
  await redis.stop();
  rmSync(cwd, { recursive: true, force: true });
});

function gauge(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

it('reports the same queued scrobbles and oldest wait on every instance', async () => {
  const person = await passwordSignIn((servers[0] as ServerProcess).baseUrl);
  standIn.state.outage = true;
  const res = await person.agent.post('/track/scrobble-batch').set('Accept', 'application/json').send({ _csrf: person.csrf, lines: 'A - One\nA - Two\nA - Three' });
  expect(res.status).toBe(202);
  await new Promise((resolve) => setTimeout(resolve, 1100));

  const scrapes = await Promise.all(servers.map(async (server) => (await request(server.baseUrl).get('/metrics').expect(200)).text));
  for (const text of scrapes) {
    expect(gauge(text, 'lastfm_signin_outbox_scrobbles{state="queued"}')).toBe(3);
    expect(gauge(text, 'lastfm_signin_outbox_scrobbles{state="held"}')).toBe(0);
    expect(gauge(text, 'lastfm_signin_outbox_read_ok')).toBe(1);
    expect(gauge(text, 'lastfm_signin_outbox_oldest_waiting_age_seconds')).toBeGreaterThanOrEqual(1);
  }
  const ages = scrapes.map((text) => gauge(text, 'lastfm_signin_outbox_oldest_waiting_age_seconds') ?? 0);
  expect(Math.abs((ages[0] ?? 0) - (ages[1] ?? 0))).toBeLessThan(1);
});
