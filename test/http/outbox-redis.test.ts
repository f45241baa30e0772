import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEMO_ACCOUNTS } from 'lastfm-sign-in/testing';
import { TEST_SESSION_SECRET } from '../helpers/app';
import { TestRedis } from '../helpers/redis-server';
import { ServerProcess } from '../helpers/server-process';
import { StandIn, passwordSignIn, until } from '../helpers/stand-in';

/*
 * Three real server processes on one Redis, each with its own delivery loop, draining 500 queued
 * scrobbles of four people: the stand-in they share counts each scrobble exactly once.
 */
jest.setTimeout(120_000);

let redis: TestRedis;
let standIn: StandIn;
let cwd: string;
const servers: ServerProcess[] = [];

beforeAll(async () => {
  redis = await new TestRedis().start();
  standIn = await new StandIn().start();
  cwd = mkdtempSync(path.join(os.tmpdir(), 'outbox-redis-'));
  for (let i = 0; i < 3; i += 1) {
    servers.push(await ServerProcess.start({ NODE_ENV: 'test', SESSION_SECRET: TEST_SESSION_SECRET, SESSION_STORE: 'redis', REDIS_URL: redis.url, LASTFM_RATE_LIMIT: '20', LASTFM_TIMEOUT_MS: '2000', OUTBOX_RETRY_MAX_MS: '500', ...standIn.env }, cwd));
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

it('delivers each of 500 scrobbles exactly once with three instances draining one outbox', async () => {
  const now = Math.floor(Date.now() / 1000);
  const people = await Promise.all(DEMO_ACCOUNTS.map((account, i) => passwordSignIn((servers[i % 3] as ServerProcess).baseUrl, account)));
  standIn.state.outage = true;
  let n = 0;
  // 125 per person, posted in batches of 25 to every instance in turn.
  for (let batch = 0; batch < 20; batch += 1) {
    const person = people[batch % people.length];
    if (person === undefined) throw new Error('no person');
    const lines = Array.from({ length: 25 }, () => {
      n += 1;
      return `Artist ${n} - Track ${n} | | ${new Date((now - 86_400 + n) * 1000).toISOString()}`;
    }).join('\n');
    const res = await person.agent.post('/track/scrobble-batch').set('Accept', 'application/json').send({ _csrf: person.csrf, lines });
    expect(res.status).toBe(202);
  }
  expect(n).toBe(500);
  // Each call takes a while, so the three loops' claims overlap.
  standIn.state.faults.plan({ kind: 'slow', delayMs: 300 }, 40);
  standIn.state.outage = false;

  const delivered = () => DEMO_ACCOUNTS.flatMap((account) => standIn.state.library.of(account.name).scrobbles);
  await until(() => delivered().length >= 500, 90_000);
  for (const person of people) {
    await until(async () => ((await person.agent.get('/track/scrobbles').set('Accept', 'application/json').expect(200)).body as { waiting: number }).waiting === 0);
  }
  const tracks = delivered().map((s) => s.track);
  expect(tracks).toHaveLength(500);
  expect(new Set(tracks).size).toBe(500);
  // More than one loop took part: the claims, not luck, kept them apart.
  expect(servers.filter((server) => server.output.includes('outbox: scrobbles delivered')).length).toBeGreaterThan(1);
});
