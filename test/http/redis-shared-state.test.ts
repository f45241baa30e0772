import { createClient } from 'redis';
import type { ExchangeOutcome } from 'lastfm-sign-in';
import { createRedisState, type RedisClient } from '../../src/shared-state/redis-state';
import type { SharedState } from '../../src/shared-state/shared-state';
import { KeySealer } from '../../src/stores/key-sealer';
import { TestRedis } from '../helpers/redis-server';

/** Two instances' shared state: each its own Redis connection, one Redis. */
let redis: TestRedis;
const clients: RedisClient[] = [];
let a: SharedState;
let b: SharedState;
const sealer = new KeySealer(['shared-state-test-secret-0123456789abcdef']);

async function instance(): Promise<SharedState> {
  const client = createClient({ url: redis.url });
  await client.connect();
  clients.push(client);
  return createRedisState(client, { perSecond: 5, leaseMs: 5000 }, sealer, 'api-key');
}

beforeAll(async () => {
  redis = await new TestRedis().start();
});

beforeEach(async () => {
  a = await instance();
  b = await instance();
  await clients[0]?.flushAll();
});

afterEach(() => {
  for (const client of clients.splice(0)) client.destroy();
});

afterAll(async () => {
  await redis.stop();
});

describe('the call budget in Redis', () => {
  it('grants perSecond slots in all across instances, and reads all but the reserve', async () => {
    const reads = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? a : b).budget.take('read', 'signed-in')));
    expect(reads.filter((answer) => answer.ok)).toHaveLength(4);
    const writes = await Promise.all(Array.from({ length: 4 }, (_, i) => (i % 2 === 0 ? a : b).budget.take('write', 'signed-in')));
    expect(writes.filter((answer) => answer.ok)).toHaveLength(1);
  });

  it('frees an answered call\'s slot one second after its answer, for every instance', async () => {
    const taken = await Promise.all(Array.from({ length: 5 }, () => a.budget.take('write', 'signed-in')));
    const refused = await b.budget.take('write', 'signed-in');
    expect(refused.ok).toBe(false);
    // Under way, the slots are held for their lease; answered, for one more second.
    if (!refused.ok) expect(refused.retryInMs).toBeGreaterThan(1000);
    for (const answer of taken) if (answer.ok) await a.budget.release(answer.slot);
    const after = await b.budget.take('write', 'signed-in');
    expect(after.ok).toBe(false);
    if (!after.ok) expect(after.retryInMs).toBeLessThanOrEqual(1000);
  });

  it('pauses every instance after error 29, and never shortens a pause', async () => {
    await a.budget.backOff(30_000);
    await b.budget.backOff(1000);
    const answer = await b.budget.take('sign-in', 'signed-in');
    expect(answer.ok).toBe(false);
    if (!answer.ok) expect(answer.pausedMs).toBeGreaterThan(28_000);
  });
});

describe('attempt counters in Redis', () => {
  it('count one allowance across instances, and forget it on reset', async () => {
    const limit = { max: 3, windowMs: 60_000 };
    const waits = [];
    for (let i = 0; i < 4; i += 1) waits.push(await (i % 2 === 0 ? a : b).attempts('mobile-user', limit).take('user:rj'));
    expect(waits.slice(0, 3)).toEqual([0, 0, 0]);
    expect(waits[3]).toBeGreaterThan(59_000);
    await a.attempts('mobile-user', limit).reset('user:rj');
    expect(await b.attempts('mobile-user', limit).take('user:rj')).toBe(0);
    const keys = await clients[0]?.keys('*');
    expect(keys?.join(' ')).not.toContain('rj');
  });
});

describe('token exchanges in Redis', () => {
  it('run one exchange for two instances asked at once, and hand both its session, sealed while stored', async () => {
    let exchanges = 0;
    let finish!: (outcome: ExchangeOutcome) => void;
    const slow = (): Promise<ExchangeOutcome> => {
      exchanges += 1;
      return new Promise((resolve) => (finish = resolve));
    };
    const first = a.exchanges.once('token-1', slow);
    const second = b.exchanges.once('token-1', slow);
    await new Promise((resolve) => setTimeout(resolve, 150));
    finish({ ok: true, name: 'rj', key: 'session-key-in-plain', subscriber: false });
    expect(await first).toEqual({ ok: true, name: 'rj', key: 'session-key-in-plain', subscriber: false });
    expect(await second).toEqual({ ok: true, name: 'rj', key: 'session-key-in-plain', subscriber: false });
    expect(exchanges).toBe(1);
    const client = clients[0];
    if (client === undefined) throw new Error('no client');
    const stored = await Promise.all((await client.keys('*')).filter((key) => key.includes('exchange')).map((key) => client.get(key)));
    expect(stored.join(' ')).not.toContain('session-key-in-plain');
    expect(stored.join(' ')).not.toContain('token-1');
  });

  it('hold the lock longer than the longest exchange, and release only their own', async () => {
    const client = clients[0];
    if (client === undefined) throw new Error('no client');
    const lockKey = async (): Promise<string> => (await client.keys('*exchange*:lock'))[0] ?? '';
    let lifetime = 0;
    const outcome = await a.exchanges.once('token-3', async () => {
      const lock = await lockKey();
      // A budget wait of 15 s plus a 10 s Last.fm timeout must not outlive it.
      lifetime = await client.pTTL(lock);
      // As if this lock had expired and a second exchange had taken it.
      await client.set(lock, 'another-owner');
      return { ok: false, code: 14, message: 'Unauthorized Token' };
    });
    expect(outcome.ok).toBe(false);
    expect(lifetime).toBeGreaterThan(25_000);
    expect(await client.get(await lockKey())).toBe('another-owner');
  });

  it('hand a Last.fm error to the second request too', async () => {
    const refused: ExchangeOutcome = { ok: false, code: 14, message: 'Unauthorized Token' };
    expect(await a.exchanges.once('token-2', () => Promise.resolve(refused))).toEqual(refused);
    expect(await b.exchanges.once('token-2', () => Promise.reject(new Error('must not run')))).toEqual(refused);
  });
});

describe('reads in Redis', () => {
  it('share stored reads and the version across instances', async () => {
    await a.reads.save('RJ', 'profile', { version: 0, storedAt: 1, value: { name: 'RJ' } });
    const seen = await b.reads.load('rj');
    expect(seen.reads.get('profile')?.value).toEqual({ name: 'RJ' });
    expect(await b.reads.bump('rj')).toBe(seen.version + 1);
    expect((await a.reads.load('RJ')).version).toBe(seen.version + 1);
  });
});

describe('staged imports, across two instances', () => {
  it('one instance stages, the other sees it and takes it once; a new staging replaces the old; a wrong id finds nothing', async () => {
    await a.imports.put('Ada', 'first', '{"n":1}', 60_000);
    expect(await b.imports.peek('ada', 'first')).toBe('{"n":1}');
    expect(await b.imports.peek('ada', 'other')).toBeUndefined();
    await b.imports.put('ada', 'second', '{"n":2}', 60_000);
    expect(await a.imports.take('ada', 'first')).toBeUndefined();
    const [one, two] = await Promise.all([a.imports.take('ada', 'second'), b.imports.take('ada', 'second')]);
    expect([one, two].sort()).toEqual(['{"n":2}', undefined].sort());
    expect(await a.imports.peek('ada', 'second')).toBeUndefined();
  });

  it('a staging runs out after its time', async () => {
    await a.imports.put('bo', 'soon', 'x', 50);
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(await b.imports.take('bo', 'soon')).toBeUndefined();
  });
});
