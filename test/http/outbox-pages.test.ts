import Database from 'better-sqlite3';
import { createClient } from 'redis';
import { MemoryOutbox } from '../../src/outbox/memory-outbox';
import type { NewScrobble } from '../../src/outbox/outbox-store';
import { RedisOutbox } from '../../src/outbox/redis-outbox';
import { SqliteOutbox } from '../../src/outbox/sqlite-outbox';
import type { RedisClient } from '../../src/shared-state/redis-state';
import { signedInAgent, teachAccountMethods } from '../helpers/account';
import { buildApp, fakeConfig } from '../helpers/app';
import { FakeLastfm } from '../helpers/fake-lastfm';
import { TestRedis } from '../helpers/redis-server';

/*
 * A person's page shows one page of their scrobbles, newest first, with how many there are in
 * all; every store reads only that page (and a few counters), however many wait.
 */
jest.setTimeout(30_000);

const NOW = Date.now();
const START = Math.floor(NOW / 1000) - 86_400;

/** `count` scrobbles of one send, played a minute apart: track `T<i>` at START + i minutes. */
function send(batch: string, count: number, from = 0): NewScrobble[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `00000000-0000-4000-8000-${batch.padStart(4, '0')}${String(from + i).padStart(8, '0')}`,
    batch,
    artist: 'A',
    track: `T${from + i}`,
    timestamp: START + (from + i) * 60,
  }));
}

/** Counts every row a store is handed back, whatever the call. */
let rowsRead = 0;
function counted(result: unknown): unknown {
  if (Array.isArray(result)) rowsRead += result.length;
  else if (result !== undefined && result !== null) rowsRead += 1;
  return result;
}

/** Wraps each prepared statement so the rows it returns are counted. */
function countingDb(db: Database.Database): Database.Database {
  const prepare = db.prepare.bind(db);
  db.prepare = ((source: string) => {
    const statement = prepare(source);
    const all = statement.all.bind(statement);
    const get = statement.get.bind(statement);
    statement.all = ((...args: unknown[]) => counted(all(...args))) as typeof statement.all;
    statement.get = ((...args: unknown[]) => counted(get(...args)));
    return statement;
  }) as typeof db.prepare;
  return db;
}

/** The client with every command's reply counted: an array counts its length (an HMGET's fields count once). */
function countingClient(client: RedisClient): RedisClient {
  return new Proxy(client, {
    get(target, name, receiver) {
      const value: unknown = Reflect.get(target, name, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const reply: unknown = (value as (...a: unknown[]) => unknown).apply(target, args);
        if (!(reply instanceof Promise)) return reply;
        return reply.then((result: unknown) => (name === 'hmGet' ? counted(1) && result : counted(result)));
      };
    },
  });
}

describe.each([
  ['memory', () => Promise.resolve({ store: new MemoryOutbox(), close: () => Promise.resolve() })],
  [
    'SQLite',
    () => {
      const db = countingDb(new Database(':memory:'));
      return Promise.resolve({ store: new SqliteOutbox(db), close: () => Promise.resolve(db.close()) });
    },
  ],
  [
    'Redis',
    async () => {
      const redis = await new TestRedis().start();
      const client = createClient({ url: redis.url });
      await client.connect();
      return {
        store: new RedisOutbox(countingClient(client)),
        close: async () => {
          client.destroy();
          await redis.stop();
        },
      };
    },
  ],
])('the %s outbox', (kind, open) => {
  it('gives one page of a person\'s list, newest first (queued by time played, then answered), with the counts apart', async () => {
    const { store, close } = await open();
    try {
      await store.add('ada', 'sealed', send('1', 300), NOW, 10_000);
      await store.add('bo', 'sealed', send('9', 5), NOW, 10_000);
      // The 50 oldest played go first: 48 accepted, one ignored, one failed.
      const claim = await store.claim({ user: 'ada', max: 50, leaseMs: 10_000, now: NOW });
      if (claim === undefined) throw new Error('nothing claimed');
      const settled = claim.items.map((item, i) => ({ id: item.id, state: i === 0 ? ('ignored' as const) : i === 1 ? ('failed' as const) : ('accepted' as const), reason: i < 2 ? 'no' : undefined }));
      await store.finish(claim, { settled, sent: true, unanswered: false, failures: 0 }, NOW + 1000);

      const first = await store.view('ada', { offset: 0, limit: 20 }, NOW + 2000);
      expect(first).toMatchObject({ waiting: 250, settled: 50, offset: 0, held: false });
      expect(first.recent.map((item) => item.track)).toEqual(Array.from({ length: 20 }, (_, i) => `T${299 - i}`));
      expect(first.batches).toEqual([{ batch: '1', total: 300, done: 50, accepted: 48, ignored: 1, failed: 1, queuedAt: NOW }]);

      // Across the end of the queue: the last queued ones, then the answered ones.
      const across = await store.view('ada', { offset: 245, limit: 10 }, NOW + 2000);
      expect(across.recent.map((item) => [item.track, item.state])).toEqual([
        ...['T54', 'T53', 'T52', 'T51', 'T50'].map((track) => [track, 'queued']),
        ...(await store.view('ada', { offset: 250, limit: 5 }, NOW + 2000)).recent.map((item) => [item.track, item.state]),
      ]);
      expect(across.recent.slice(5).every((item) => item.state !== 'queued')).toBe(true);
      expect((await store.view('ada', { offset: 290, limit: 20 }, NOW + 2000)).recent).toHaveLength(10);
      expect((await store.view('ada', { offset: 400, limit: 20 }, NOW + 2000)).recent).toHaveLength(0);
      // Answered ones are gone from the list, and from its count, a day after.
      expect(await store.view('ada', { offset: 0, limit: 0 }, NOW + 1000 + 25 * 3600_000)).toMatchObject({ waiting: 250, settled: 0 });
      expect((await store.view('bo', { offset: 0, limit: 20 }, NOW)).recent).toHaveLength(5);
    } finally {
      await close();
    }
  });

  if (kind !== 'memory') {
    it('reads only the page and a few counters however many wait', async () => {
      const { store, close } = await open();
      try {
        // The first look at a Redis moves an earlier version's layout over, once: not this test's concern.
        await store.view('ada', { offset: 0, limit: 1 }, NOW);
        for (let i = 0; i < 5; i += 1) await store.add('ada', 'sealed', send(String(i + 1), 1000, i * 1000), NOW, 10_000);
        rowsRead = 0;
        const view = await store.view('ada', { offset: 0, limit: 20 }, NOW);
        expect(view.waiting).toBe(5000);
        expect(view.batches).toHaveLength(5);
        expect(view.recent.map((item) => item.track).slice(0, 2)).toEqual(['T4999', 'T4998']);
        // 20 scrobbles, 5 sends' progress and a handful of counts: nowhere near 5,000.
        expect(rowsRead).toBeLessThan(60);
      } finally {
        await close();
      }
    });
  }
});

describe('the home page and GET /track/scrobbles', () => {
  let fake: FakeLastfm;

  beforeEach(async () => {
    fake = await new FakeLastfm().start();
    teachAccountMethods(fake);
    // Last.fm is down, so everything stays waiting.
    fake.onMethod('track.scrobble', () => [503, { error: 11, message: 'Service Offline' }]);
  });

  afterEach(async () => {
    await fake.stop();
  });

  it('say "20 of 300", newest first, with the rest a page away', async () => {
    const { app } = buildApp(fakeConfig(fake), { outboxTiming: { answerWaitMs: 50, backoff: { baseMs: 60_000, maxMs: 60_000 }, pollMs: 50 } });
    const { agent, csrf } = await signedInAgent(app, fake);
    // Lines without a time are played one after another, the last line latest.
    const lines = Array.from({ length: 300 }, (_, i) => `Artist - Track ${i + 1}`);
    await agent.post('/track/scrobble-batch').set('Accept', 'application/json').type('form').send({ _csrf: csrf, lines: lines.join('\n') }).expect(202);

    const home = (await agent.get('/').expect(200)).text;
    expect(home).toContain('20 of 300, newest first.');
    const rows = [...home.slice(home.indexOf('data-testid="outbox-items"')).matchAll(/<span class="track-name">([^<]*)<\/span>/g)].map((match) => match[1]);
    expect(rows.slice(0, 2)).toEqual(['Track 300', 'Track 299']);
    expect(rows).toHaveLength(20);
    expect(home).toContain('href="/?outbox=2#outbox-heading"');

    const second = (await agent.get('/?outbox=2').expect(200)).text;
    expect(second).toContain('21–40 of 300, newest first.');
    expect(second.slice(second.indexOf('data-testid="outbox-items"'))).toMatch(/^[^]*?<span class="track-name">Track 280<\/span>/);
    expect(second).toContain('href="/?outbox=1#outbox-heading"');
    expect(second).toContain('href="/?outbox=3#outbox-heading"');

    const json = async (query: string) => (await agent.get(`/track/scrobbles${query}`).set('Accept', 'application/json').expect(200)).body as { total: number; offset: number; scrobbles: { track: string }[] };
    const paged = await json('?page=2&limit=50');
    expect(paged).toMatchObject({ total: 300, offset: 50 });
    expect(paged.scrobbles.map((item) => item.track).slice(0, 1)).toEqual(['Track 250']);
    expect((await json('?offset=295&limit=10')).scrobbles.map((item) => item.track)).toEqual(['Track 5', 'Track 4', 'Track 3', 'Track 2', 'Track 1']);
    expect((await json('')).scrobbles).toHaveLength(100);
    const refused = await agent.get('/track/scrobbles?limit=5000').set('Accept', 'application/json').expect(400);
    expect(JSON.stringify(refused.body)).toContain('limit must be a whole number from 0 to 1000');
  });
});
