import Database from 'better-sqlite3';
import { createClient } from 'redis';
import { MemoryOutbox } from '../../src/outbox/memory-outbox';
import { KEEP_HELD_MS, KEEP_SETTLED_MS, type NewScrobble } from '../../src/outbox/outbox-store';
import { RedisOutbox } from '../../src/outbox/redis-outbox';
import { SqliteOutbox } from '../../src/outbox/sqlite-outbox';
import { signedInAgent, teachAccountMethods } from '../helpers/account';
import { buildApp, csrfFrom, fakeConfig } from '../helpers/app';
import { FakeLastfm } from '../helpers/fake-lastfm';
import { TestRedis } from '../helpers/redis-server';
import { until } from '../helpers/stand-in';

/*
 * The outbox keeps a person's sealed Last.fm key only while something of theirs waits; signing out
 * everywhere lets them choose: send what waits and then forget the key, or drop both now.
 */
jest.setTimeout(30_000);

const NOW = Date.now();
const PREFIX = 'lastfm-signin:outbox:';
let n = 0;
const scrobbles = (count: number): NewScrobble[] =>
  Array.from({ length: count }, () => {
    n += 1;
    return { id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`, batch: `b${String(count)}`, artist: 'A', track: `T${String(n)}`, timestamp: Math.floor(NOW / 1000) - n };
  });

/** Whether the store still keeps anything of the person's: their key, or their place in the list of people. */
type Kept = () => Promise<boolean>;

describe.each([
  [
    'memory',
    () => {
      const store = new MemoryOutbox();
      // One process's maps: the person's record is the key's only home.
      const kept: Kept = () => Promise.resolve(store['people'].has('ada'));
      return Promise.resolve({ store, kept, close: () => Promise.resolve() });
    },
  ],
  [
    'SQLite',
    () => {
      const db = new Database(':memory:');
      const kept: Kept = () => Promise.resolve(db.prepare("SELECT COUNT(*) AS n FROM outbox_people WHERE user = 'ada'").get() as { n: number }).then((row) => row.n > 0);
      return Promise.resolve({ store: new SqliteOutbox(db), kept, close: () => Promise.resolve(db.close()) });
    },
  ],
  [
    'Redis',
    async () => {
      const redis = await new TestRedis().start();
      const client = createClient({ url: redis.url });
      await client.connect();
      const kept: Kept = async () => (await client.exists(`${PREFIX}person:ada`)) === 1 || (await client.sIsMember(`${PREFIX}people`, 'ada')) === 1;
      return {
        store: new RedisOutbox(client),
        kept,
        close: async () => {
          client.destroy();
          await redis.stop();
        },
      };
    },
  ],
])('the %s outbox', (_kind, open) => {
  it('forgets the sealed key once the last waiting scrobble is answered, and not before', async () => {
    const { store, kept, close } = await open();
    try {
      await store.add('ada', 'sealed', scrobbles(3), NOW, 100);
      const first = await store.claim({ user: 'ada', max: 2, leaseMs: 10_000, now: NOW });
      if (first === undefined) throw new Error('nothing claimed');
      await store.finish(first, { settled: first.items.map((item) => ({ id: item.id, state: 'accepted' as const })), sent: true, unanswered: false, failures: 0 }, NOW);
      expect(await kept()).toBe(true);
      const last = await store.claim({ user: 'ada', max: 2, leaseMs: 10_000, now: NOW });
      if (last === undefined) throw new Error('nothing claimed');
      await store.finish(last, { settled: last.items.map((item) => ({ id: item.id, state: 'accepted' as const })), sent: true, unanswered: false, failures: 0 }, NOW);
      expect(await kept()).toBe(false);
      // What was answered still shows for the day.
      expect(await store.view('ada', { offset: 0, limit: 10 }, NOW)).toMatchObject({ waiting: 0, settled: 3 });
      // A new send brings the key back with it.
      await store.add('ada', 'sealed-2', scrobbles(1), NOW, 100);
      expect((await store.claim({ user: 'ada', max: 2, leaseMs: 10_000, now: NOW }))?.sealedKey).toBe('sealed-2');
    } finally {
      await close();
    }
  });

  it('discards what waits and the key at once, and leaves everyone else\'s', async () => {
    const { store, kept, close } = await open();
    try {
      await store.add('ada', 'sealed', scrobbles(3), NOW, 100);
      await store.add('bo', 'sealed-b', scrobbles(2), NOW, 100);
      expect(await store.discard('ada')).toBe(3);
      expect(await kept()).toBe(false);
      expect(await store.view('ada', { offset: 0, limit: 10 }, NOW)).toMatchObject({ waiting: 0, settled: 0, recent: [], batches: [] });
      expect(await store.claim({ user: 'ada', max: 50, leaseMs: 10_000, now: NOW })).toBeUndefined();
      expect((await store.claim({ max: 50, leaseMs: 10_000, now: NOW }))?.user).toBe('bo');
      expect(await store.waitingCount()).toBe(2);
    } finally {
      await close();
    }
  });

  it('on a sign-in keeps nothing for someone with nothing waiting, and the new key for someone with', async () => {
    const { store, kept, close } = await open();
    try {
      await store.resume('ada', () => 'sealed-new', NOW);
      expect(await kept()).toBe(false);
      await store.add('ada', 'sealed', scrobbles(1), NOW, 100);
      let sealed = 0;
      await store.resume(
        'ada',
        () => {
          sealed += 1;
          return 'sealed-new';
        },
        NOW,
      );
      expect(sealed).toBe(1);
      expect((await store.claim({ user: 'ada', max: 2, leaseMs: 10_000, now: NOW }))?.sealedKey).toBe('sealed-new');
    } finally {
      await close();
    }
  });
});

describe('signing out everywhere with scrobbles waiting', () => {
  let fake: FakeLastfm;
  let down: boolean;
  let sent: string[];

  beforeEach(async () => {
    fake = await new FakeLastfm().start();
    teachAccountMethods(fake);
    down = true;
    sent = [];
    fake.onMethod('track.scrobble', (params) => {
      if (down) return [503, { error: 11, message: 'Service Offline' }];
      for (const [name, value] of Object.entries(params)) if (/^track(\[\d+\])?$/.test(name)) sent.push(value);
      return [200, { scrobbles: { '@attr': { accepted: 1, ignored: 0 }, scrobble: { track: { '#text': params['track[0]'] ?? params['track'] ?? '' }, artist: { '#text': 'A' }, ignoredMessage: { code: '0', '#text': '' } } } }];
    });
  });

  afterEach(async () => {
    await fake.stop();
  });

  it('offers the choice; "discard" drops them, says so, and nothing of theirs reaches Last.fm', async () => {
    const { app } = buildApp(fakeConfig(fake), { outboxTiming: { answerWaitMs: 50, backoff: { baseMs: 20, maxMs: 50 }, pollMs: 20 } });
    const ada = await signedInAgent(app, fake, 'ada');
    const bo = await signedInAgent(app, fake, 'bo');
    await ada.agent.post('/track/scrobble-batch').set('Accept', 'application/json').type('form').send({ _csrf: ada.csrf, lines: 'A - Ada one\nA - Ada two' }).expect(202);

    const home = (await ada.agent.get('/').expect(200)).text;
    expect(home).toContain('2 scrobbles are still waiting to be sent');
    expect(home).toContain('value="send" checked');
    expect(home).toContain('value="discard"');
    await ada.agent.post('/auth/logout-everywhere').type('form').send({ _csrf: csrfFrom(home), waiting: 'later' }).expect(400);

    const res = await ada.agent.post('/auth/logout-everywhere').type('form').send({ _csrf: csrfFrom(home), waiting: 'discard' }).expect(303);
    expect(res.headers.location).toBe('/?signed-out=everywhere-discarded');
    expect((await ada.agent.get(res.headers.location as string).expect(200)).text).toContain('Your waiting scrobbles were discarded, none of them will be sent');

    // Last.fm comes back; bo's scrobble goes out, and ada's would have gone first.
    down = false;
    await bo.agent.post('/track/scrobble').set('Accept', 'application/json').send({ _csrf: bo.csrf, artist: 'B', track: 'Bo one' });
    await until(() => sent.includes('Bo one'));
    expect(sent.filter((track) => track.startsWith('Ada'))).toEqual([]);
  });

  it('"send" (the default) lets them go out, then says the key is forgotten', async () => {
    const { app } = buildApp(fakeConfig(fake), { outboxTiming: { answerWaitMs: 50, backoff: { baseMs: 20, maxMs: 50 }, pollMs: 20 } });
    const ada = await signedInAgent(app, fake, 'ada');
    await ada.agent.post('/track/scrobble').set('Accept', 'application/json').send({ _csrf: ada.csrf, artist: 'A', track: 'Ada kept' }).expect(202);
    const home = (await ada.agent.get('/').expect(200)).text;
    const res = await ada.agent.post('/auth/logout-everywhere').type('form').send({ _csrf: csrfFrom(home) }).expect(303);
    expect(res.headers.location).toBe('/?signed-out=everywhere');
    expect((await ada.agent.get('/?signed-out=everywhere').expect(200)).text).toContain('Scrobbles still waiting are sent to Last.fm as usual; once none is left, this app forgets your Last.fm key.');
    down = false;
    await until(() => sent.includes('Ada kept'));
  });
});

describe.each([
  ['memory', () => ({ store: new MemoryOutbox(), close: (): void => undefined })],
  [
    'SQLite',
    () => {
      const db = new Database(':memory:');
      return { store: new SqliteOutbox(db), close: (): void => void db.close() };
    },
  ],
])('a person held on the %s outbox', (_kind, open) => {
  it('keeps what they left for KEEP_HELD_MS from when the hold began, then prunes it, key and all', async () => {
    const { store, close } = open();
    try {
      await store.add('ada', 'sealed', scrobbles(3), NOW, 100);
      const claim = await store.claim({ user: 'ada', max: 50, leaseMs: 10_000, now: NOW });
      if (claim === undefined) throw new Error('nothing claimed');
      await store.finish(claim, { settled: [], sent: true, unanswered: false, failures: 1, hold: true, reason: 'held' }, NOW);
      await store.prune(NOW - KEEP_SETTLED_MS, NOW - 1);
      expect((await store.view('ada', { offset: 0, limit: 10 }, NOW)).waiting).toBe(3);
      await store.prune(NOW + KEEP_HELD_MS - KEEP_SETTLED_MS + 1, NOW + 1);
      expect(await store.view('ada', { offset: 0, limit: 10 }, NOW + KEEP_HELD_MS + 1)).toMatchObject({ waiting: 0, held: false, batches: [] });
      expect(await store.waitingCount()).toBe(0);
    } finally {
      close();
    }
  });
});

describe('a person held on the Redis outbox', () => {
  it('leaves keys that expire KEEP_HELD_MS after the hold began, kept again when they sign in; their name leaves outbox:people once gone', async () => {
    const redis = await new TestRedis().start();
    const client = createClient({ url: redis.url });
    await client.connect();
    try {
      const store = new RedisOutbox(client);
      const [first, ...rest] = scrobbles(2);
      if (first === undefined) throw new Error('no scrobbles');
      await store.add('ada', 'sealed', [first], NOW, 100);
      const claim = await store.claim({ user: 'ada', max: 50, leaseMs: 10_000, now: NOW });
      if (claim === undefined) throw new Error('nothing claimed');
      await store.finish(claim, { settled: [], sent: true, unanswered: false, failures: 1, hold: true, reason: 'held' }, NOW);
      // Queued while held: it expires with the rest.
      await store.add('ada', 'sealed', rest, NOW, 100);
      const keys = [`${PREFIX}person:ada`, `${PREFIX}queue:ada`, ...[first, ...rest].map((item) => `${PREFIX}entry:${item.id}`)];
      for (const key of keys) {
        const ttl = await client.pTTL(key);
        expect([key, ttl > 0 && ttl <= KEEP_HELD_MS]).toEqual([key, true]);
      }
      await store.resume('ada', () => 'sealed-2', NOW);
      for (const key of keys) expect([key, await client.pTTL(key)]).toEqual([key, -1]);

      // Held again and left to expire: the name goes from the list of people too.
      const again = await store.claim({ user: 'ada', max: 50, leaseMs: 10_000, now: NOW });
      if (again === undefined) throw new Error('nothing claimed');
      await store.finish(again, { settled: [], sent: true, unanswered: false, failures: 1, hold: true, reason: 'held' }, NOW);
      await client.del(keys);
      expect(await client.sIsMember(`${PREFIX}people`, 'ada')).toBe(1);
      await store.prune();
      expect(await client.sIsMember(`${PREFIX}people`, 'ada')).toBe(0);
    } finally {
      client.destroy();
      await redis.stop();
    }
  });
});
