import { createClient } from 'redis';
import { backgroundSpacingMs, createLastfmClient, KeySealer, LastfmError, SEND_MARGIN_MS, SLOT_WINDOW_MS, type ExchangeOutcome, type SlotCount } from '../src';
import { redisSharedState, type RedisClient, type RedisSharedState } from '../src/redis';
import { startSandbox, type StartedSandbox } from '../src/testing';
import { startRedis } from './helpers/redis';

/** Two hosts on one Redis: each its own connection, as two processes would have. */
let redis: Awaited<ReturnType<typeof startRedis>>;
const connections: RedisClient[] = [];
const sealer = new KeySealer(['library-redis-test-secret-0123456789abcdef']);
let sandbox: StartedSandbox | undefined;

async function host(perSecond = 5, countFrom: SlotCount = 'answer'): Promise<RedisSharedState> {
  const client = createClient({ url: redis.url });
  await client.connect();
  connections.push(client);
  return redisSharedState(client, { apiKey: 'the-api-key', sealer, perSecond, countFrom });
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

  describe('work-conserving: outbox deliveries may use every slot, paced, and stand aside for a waiting call (issue 21)', () => {
    it('counting slots from the send, holds a slot from its grant until its send, then for a second and the margin, or a second after a quick answer', async () => {
      const [a, b] = [await host(5, 'send'), await host(5, 'send')];
      const taken = [];
      for (let i = 0; i < 5; i += 1) taken.push(await (i % 2 === 0 ? a : b).budget.take('write', 'signed-in'));
      const slots = taken.map((answer) => (answer.ok ? answer.slot : ''));
      expect(slots.every((slot) => slot !== '')).toBe(true);
      const unsent = await b.budget.take('write', 'signed-in');
      expect(unsent.ok ? 0 : unsent.retryInMs).toBeGreaterThan(10_000);
      for (const slot of slots) await a.budget.sending(slot);
      const refused = await b.budget.take('write', 'signed-in');
      if (refused.ok) throw new Error('a sixth slot within the window');
      expect(refused.retryInMs).toBeGreaterThan(SLOT_WINDOW_MS + SEND_MARGIN_MS - 200);
      expect(refused.retryInMs).toBeLessThanOrEqual(SLOT_WINDOW_MS + SEND_MARGIN_MS);
      // Answered: a second from the answer, if that is sooner; a late answer never pushes it out.
      for (const slot of slots) await b.budget.release(slot);
      const answered = await a.budget.take('write', 'signed-in');
      expect(answered.ok ? 0 : answered.retryInMs).toBeLessThanOrEqual(SLOT_WINDOW_MS);
    });

    it('lets background take every slot, but one per fifth of a second across hosts', async () => {
      const [a, b] = [await host(5), await host(5)];
      expect((await a.budget.take('background', 'signed-in')).ok).toBe(true);
      const paced = await b.budget.take('background', 'signed-in');
      if (paced.ok) throw new Error('two background grants at once');
      expect(paced.retryInMs).toBeGreaterThan(100);
      expect(paced.retryInMs).toBeLessThanOrEqual(backgroundSpacingMs(5));
      for (let i = 1; i < 5; i += 1) {
        await new Promise((resolve) => setTimeout(resolve, backgroundSpacingMs(5) + 10));
        expect((await (i % 2 === 0 ? a : b).budget.take('background', 'signed-in')).ok).toBe(true);
      }
      // Five held, all by background: the next waits for the first one's second to end.
      expect(await a.budget.take('write', 'signed-in')).toMatchObject({ ok: false });
    });

    it('counting from the answer, spaces background grants by a second plus the recent answer time, across hosts', async () => {
      const [a, b] = [await host(5), await host(5)];
      const first = await a.budget.take('background', 'signed-in');
      if (!first.ok) throw new Error('first slot refused');
      await a.budget.sending(first.slot);
      await new Promise((resolve) => setTimeout(resolve, 300));
      await a.budget.release(first.slot);
      expect((await b.budget.take('background', 'signed-in')).ok).toBe(true);
      const paced = await b.budget.take('background', 'signed-in');
      if (paced.ok) throw new Error('two background grants at once');
      // About 300 ms answers: (1,000 + 300) / 5 = 260 ms apart, not 200.
      expect(paced.retryInMs).toBeGreaterThan(backgroundSpacingMs(5) + 30);
      expect(paced.retryInMs).toBeLessThanOrEqual(backgroundSpacingMs(5, 'answer', 400));
    });

    it('a write refused for want of a slot keeps background off the next one freed, on every host', async () => {
      const [a, b] = [await host(5), await host(5)];
      for (let i = 0; i < 5; i += 1) expect((await a.budget.take('write', 'signed-in')).ok).toBe(true);
      const write = await b.budget.take('write', 'signed-in');
      const background = await a.budget.take('background', 'signed-in');
      if (write.ok || background.ok) throw new Error('a slot beyond the five');
      // The write may go when the first slot frees; background only a spacing after that.
      expect(background.retryInMs).toBeGreaterThanOrEqual(write.retryInMs + backgroundSpacingMs(5) - 20);
    });

    it('a sign-in refused for its share alone does not keep background waiting', async () => {
      const [a, b] = [await host(5), await host(5)];
      for (let i = 0; i < 2; i += 1) expect((await a.budget.take('sign-in', 'signed-out')).ok).toBe(true);
      expect((await b.budget.take('sign-in', 'signed-out')).ok).toBe(false);
      expect((await a.budget.take('background', 'signed-in')).ok).toBe(true);
    });

    it('by default counts slots from the answer: holds a slot, sent or not, until the answer and a second after it', async () => {
      const client = createClient({ url: redis.url });
      await client.connect();
      connections.push(client);
      const { budget } = redisSharedState(client, { apiKey: 'the-api-key', sealer, perSecond: 1, leaseMs: 60_000 });
      const first = await budget.take('write', 'signed-in');
      if (!first.ok) throw new Error('first slot refused');
      await budget.sending(first.slot);
      const underWay = await budget.take('write', 'signed-in');
      expect(underWay).toMatchObject({ ok: false });
      expect(underWay.ok ? 0 : underWay.retryInMs).toBeGreaterThan(50_000);
      await budget.release(first.slot);
      const answered = await budget.take('write', 'signed-in');
      expect(answered.ok ? 0 : answered.retryInMs).toBeGreaterThan(SLOT_WINDOW_MS - 200);
      expect(answered.ok ? Infinity : answered.retryInMs).toBeLessThanOrEqual(SLOT_WINDOW_MS);
    });
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
