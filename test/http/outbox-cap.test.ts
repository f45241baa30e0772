import Database from 'better-sqlite3';
import { createClient } from 'redis';
import { loadConfig } from '../../src/config';
import { ConfigError, OutboxFullError } from '../../src/errors';
import { MemoryOutbox } from '../../src/outbox/memory-outbox';
import type { NewScrobble } from '../../src/outbox/outbox-store';
import { RedisOutbox } from '../../src/outbox/redis-outbox';
import { SqliteOutbox } from '../../src/outbox/sqlite-outbox';
import { signedInAgent, teachAccountMethods } from '../helpers/account';
import { buildApp, fakeConfig } from '../helpers/app';
import { FakeLastfm } from '../helpers/fake-lastfm';
import { TestRedis } from '../helpers/redis-server';

/*
 * One person may have only OUTBOX_MAX_PER_PERSON scrobbles waiting: a send that would pass it is
 * refused whole, in words, on every store, and nobody else's sends are touched.
 */
jest.setTimeout(20_000);

const NOW = Date.now();
let n = 0;
const scrobbles = (count: number): NewScrobble[] =>
  Array.from({ length: count }, () => {
    n += 1;
    return { id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`, batch: 'b', artist: 'A', track: `T${n}`, timestamp: Math.floor(NOW / 1000) - n };
  });

describe.each([
  ['memory', () => Promise.resolve({ store: new MemoryOutbox(), close: () => Promise.resolve() })],
  [
    'SQLite',
    () => {
      const db = new Database(':memory:');
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
        store: new RedisOutbox(client),
        close: async () => {
          client.destroy();
          await redis.stop();
        },
      };
    },
  ],
])('the %s outbox', (_kind, open) => {
  it('queues up to the most waiting, then refuses a send whole and queues none of it', async () => {
    const { store, close } = await open();
    try {
      await store.add('ada', 'sealed', scrobbles(2), NOW, 3);
      const refused = store.add('ada', 'sealed', scrobbles(2), NOW, 3);
      await expect(refused).rejects.toBeInstanceOf(OutboxFullError);
      await expect(refused).rejects.toMatchObject({ waiting: 2, max: 3 });
      expect((await store.view('ada', 10)).waiting).toBe(2);
      await store.add('ada', 'sealed', scrobbles(1), NOW, 3);
      await expect(store.add('ada', 'sealed', scrobbles(1), NOW, 3)).rejects.toBeInstanceOf(OutboxFullError);
      await store.add('bo', 'sealed', scrobbles(3), NOW, 3);
      expect((await store.view('ada', 10)).waiting).toBe(3);
      expect(await store.waitingCount()).toBe(6);
    } finally {
      await close();
    }
  });
});

describe('a person at the most', () => {
  let fake: FakeLastfm;

  beforeEach(async () => {
    fake = await new FakeLastfm().start();
    teachAccountMethods(fake);
    // Last.fm is down, so everything sent stays waiting.
    fake.onMethod('track.scrobble', () => [503, { error: 11, message: 'Service Offline' }]);
  });

  afterEach(async () => {
    await fake.stop();
  });

  it('gets a 429 in words for a batch that would pass OUTBOX_MAX_PER_PERSON, and nothing of it waits', async () => {
    const { app } = buildApp(fakeConfig(fake, { OUTBOX_MAX_PER_PERSON: '3' }), { outboxTiming: { answerWaitMs: 50, backoff: { baseMs: 60_000, maxMs: 60_000 }, pollMs: 20 } });
    const { agent, csrf } = await signedInAgent(app, fake);
    await agent.post('/track/scrobble-batch').set('Accept', 'application/json').send({ _csrf: csrf, lines: 'A - 1\nA - 2' }).expect(202);
    const refused = await agent.post('/track/scrobble-batch').set('Accept', 'application/json').send({ _csrf: csrf, lines: 'A - 3\nA - 4' }).expect(429);
    expect((refused.body as { error: { message: string } }).error.message).toBe(
      'You already have 2 scrobbles waiting to be sent to Last.fm, and at most 3 may wait at once. Nothing from this send was queued; try again once some have gone.',
    );
    const page = await agent.post('/track/scrobble-batch').type('form').send({ _csrf: csrf, lines: 'A - 3\nA - 4' }).expect(429);
    expect(page.text).toContain('Too many scrobbles waiting');
    const outbox = (await agent.get('/track/scrobbles').set('Accept', 'application/json').expect(200)).body as { waiting: number };
    expect(outbox.waiting).toBe(2);
    const other = await signedInAgent(app, fake, 'bo');
    await other.agent.post('/track/scrobble').set('Accept', 'application/json').send({ _csrf: other.csrf, artist: 'B', track: 'Fine' }).expect(202);
  });

  it('is a setting checked at start', () => {
    expect(() => loadConfig({ OUTBOX_MAX_PER_PERSON: '0' })).toThrow(ConfigError);
    expect(() => loadConfig({ OUTBOX_MAX_PER_PERSON: 'lots' })).toThrow(/OUTBOX_MAX_PER_PERSON/);
    expect(loadConfig({}).lastfm.outboxMaxPerPerson).toBe(10_000);
  });
});
