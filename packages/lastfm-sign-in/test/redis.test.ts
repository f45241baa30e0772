import { createClient } from 'redis';
import { createLastfmClient, KeySealer, LastfmError, type ExchangeOutcome } from '../src';
import { redisSharedState, type RedisClient, type RedisSharedState } from '../src/redis';
import { startSandbox, type StartedSandbox } from '../src/testing';
import { startRedis } from './helpers/redis';

/** Two hosts on one Redis: each its own connection, as two processes would have. */
let redis: Awaited<ReturnType<typeof startRedis>>;
const connections: RedisClient[] = [];
const sealer = new KeySealer(['library-redis-test-secret-0123456789abcdef']);
let sandbox: StartedSandbox | undefined;

async function host(perSecond = 5): Promise<RedisSharedState> {
  const client = createClient({ url: redis.url });
  await client.connect();
  connections.push(client);
  return redisSharedState(client, { apiKey: 'the-api-key', sealer, perSecond });
}

beforeAll(async () => {
  redis = await startRedis();
});

beforeEach(async () => {
  const client = createClient({ url: redis.url });
  await client.connect();
  await client.flushAll();
  client.destroy();
});

afterEach(async () => {
  for (const client of connections.splice(0)) client.destroy();
  await sandbox?.close();
  sandbox = undefined;
});

afterAll(async () => {
  await redis.stop();
});

describe('lastfm-sign-in/redis', () => {
  it('gives two hosts one call budget: what one takes, the other cannot', async () => {
    const [a, b] = [await host(2), await host(2)];
    expect((await a.budget.take('write', 'signed-in')).ok).toBe(true);
    expect((await a.budget.take('write', 'signed-in')).ok).toBe(true);
    const refused = await b.budget.take('write', 'signed-in');
    expect(refused.ok).toBe(false);
  });

  it('lets sign-in calls on every host together hold 2 of 5 slots, leaving the other 3 to signed-in calls', async () => {
    const [a, b] = [await host(5), await host(5)];
    expect((await a.budget.take('sign-in', 'signed-out')).ok).toBe(true);
    expect((await b.budget.take('sign-in', 'signed-out')).ok).toBe(true);
    const refused = await a.budget.take('sign-in', 'signed-out');
    expect(refused).toMatchObject({ ok: false, pausedMs: 0 });
    for (let i = 0; i < 3; i += 1) expect((await (i % 2 === 0 ? a : b).budget.take('write', 'signed-in')).ok).toBe(true);
    expect((await b.budget.take('write', 'signed-in')).ok).toBe(false);
  });

  it('pauses the other host too after one of them hears error 29, without sending its call', async () => {
    const stand = await startSandbox();
    sandbox = stand;
    const [a, b] = [await host(), await host()];
    const options = { apiKey: stand.apiKey, sharedSecret: stand.sharedSecret, apiUrl: stand.apiUrl, authUrl: stand.authUrl };
    const first = createLastfmClient({ ...options, budget: a.budget });
    const second = createLastfmClient({ ...options, budget: b.budget });

    stand.state.faults.plan({ kind: 'error', code: 29, message: 'Rate Limit Exceded' });
    await expect(first.getProfile('sandbox-ada')).rejects.toMatchObject({ code: 29, retryable: true });
    const sent = stand.state.calls.total;

    const held = await second.getProfile('sandbox-ada').catch((error: unknown) => error);
    expect(held).toBeInstanceOf(LastfmError);
    expect(held).toMatchObject({ code: 29 });
    expect(stand.state.calls.total).toBe(sent);
  });

  it('lets one host exchange a token while the other waits for its outcome and shares it', async () => {
    const [a, b] = [await host(), await host()];
    let exchanges = 0;
    const exchange = async (): Promise<ExchangeOutcome> => {
      exchanges += 1;
      await new Promise((resolve) => setTimeout(resolve, 200));
      return { ok: true, name: 'sandbox-ada', key: 'the-session-key', subscriber: false };
    };
    const [fromA, fromB] = await Promise.all([a.exchanges.once('token-1', exchange), b.exchanges.once('token-1', exchange)]);
    expect(exchanges).toBe(1);
    expect(fromA).toEqual(fromB);
    expect(fromB).toMatchObject({ ok: true, key: 'the-session-key' });
  });

  it('keeps the session key of an exchange sealed in Redis, and the token hashed', async () => {
    const a = await host();
    await a.exchanges.once('token-2', () => Promise.resolve({ ok: true, name: 'sandbox-ada', key: 'the-session-key', subscriber: false }));
    const client = createClient({ url: redis.url });
    await client.connect();
    const keys = await client.keys('*');
    const values = await Promise.all(keys.map((key) => client.get(key)));
    client.destroy();
    expect(keys.join(' ')).not.toContain('token-2');
    expect(values.join(' ')).not.toContain('the-session-key');
  });

  it('counts attempts across hosts', async () => {
    const limit = { max: 2, windowMs: 60_000 };
    const [a, b] = [(await host()).attempts('password', limit), (await host()).attempts('password', limit)];
    expect(await a.take('someone')).toBe(0);
    expect(await b.take('someone')).toBe(0);
    expect(await a.take('someone')).toBeGreaterThan(0);
    await b.reset('someone');
    expect(await a.take('someone')).toBe(0);
  });

  it('shares a token bucket per key across hosts: the burst, then one a period, a refusal not pushing the wait out', async () => {
    const limit = { burst: 3, everyMs: 400 };
    const [a, b] = [(await host()).rateLimits('sign-in-calls', limit), (await host()).rateLimits('sign-in-calls', limit)];
    expect([await a.take('203.0.113.7'), await b.take('203.0.113.7'), await a.take('203.0.113.7')]).toEqual([0, 0, 0]);
    const wait = await b.take('203.0.113.7');
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(400);
    expect(await a.take('198.51.100.1')).toBe(0);
    expect(await a.take('203.0.113.7')).toBeLessThanOrEqual(wait);
    await new Promise((resolve) => setTimeout(resolve, wait + 20));
    expect(await b.take('203.0.113.7')).toBe(0);
    expect(await a.take('203.0.113.7')).toBeGreaterThan(0);
  });
});
