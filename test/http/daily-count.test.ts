import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { createClient } from 'redis';
import { DAILY_WINDOW_MS, MemoryDailyCount, dailyRoom, type DailyScrobbleCount } from '../../src/outbox/daily-count';
import { RedisDailyCount } from '../../src/outbox/redis-daily-count';
import { SqliteDailyCount } from '../../src/outbox/sqlite-daily-count';
import { TestRedis } from '../helpers/redis-server';

/*
 * Each store's count of a person's sends in the last 24 hours, the same rules everywhere; on
 * SQLite and Redis two instances (two connections) see one count.
 */

let redis: TestRedis;
const closers: (() => unknown)[] = [];

beforeAll(async () => {
  redis = await new TestRedis().start();
});

afterAll(async () => {
  for (const close of closers) await close();
  await redis.stop();
});

async function redisPair(): Promise<[DailyScrobbleCount, DailyScrobbleCount]> {
  const [a, b] = [createClient({ url: redis.url }), createClient({ url: redis.url })];
  await Promise.all([a.connect(), b.connect()]);
  await a.flushAll();
  closers.push(() => a.destroy(), () => b.destroy());
  return [new RedisDailyCount(a), new RedisDailyCount(b)];
}

function sqlitePair(): [DailyScrobbleCount, DailyScrobbleCount] {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'daily-count-'));
  const file = path.join(dir, 'sessions.db');
  const [a, b] = [new Database(file), new Database(file)];
  closers.push(() => a.close(), () => b.close(), () => rmSync(dir, { recursive: true, force: true }));
  return [new SqliteDailyCount(a), new SqliteDailyCount(b)];
}

const T = 1_780_000_000_000;

it.each([
  ['memory', () => Promise.resolve((() => { const one = new MemoryDailyCount(); return [one, one] as [DailyScrobbleCount, DailyScrobbleCount]; })())],
  ['sqlite', () => Promise.resolve(sqlitePair())],
  ['redis', redisPair],
])('%s: counts what was sent in the window, across instances, and lets go of what left it', async (_kind, pair) => {
  const [a, b] = await pair();
  await a.record('ada', ['1', '2', '3'], T);
  await b.record('ada', ['4'], T + 60_000);
  await b.record('bo', ['5'], T);
  expect(await b.since('ada', T - DAILY_WINDOW_MS)).toEqual({ count: 4, oldestAt: T });
  expect(await a.since('ada', T)).toEqual({ count: 1, oldestAt: T + 60_000 });
  expect(await a.since('nobody', 0)).toEqual({ count: 0, oldestAt: undefined });
  // A day and a millisecond later the first three have left the window.
  const aDayLater = T + DAILY_WINDOW_MS + 1;
  expect(await a.since('ada', aDayLater - DAILY_WINDOW_MS)).toEqual({ count: 1, oldestAt: T + 60_000 });
});

it('the room under a limit, and when more opens', () => {
  expect(dailyRoom({ count: 28, oldestAt: T }, 30)).toEqual({ room: 2, opensAt: undefined });
  expect(dailyRoom({ count: 30, oldestAt: T }, 30)).toEqual({ room: 0, opensAt: T + DAILY_WINDOW_MS });
  expect(dailyRoom({ count: 0, oldestAt: undefined }, 30)).toEqual({ room: 30, opensAt: undefined });
});
