import { createClient } from 'redis';
import { RedisOutbox } from '../../src/outbox/redis-outbox';
import type { Claim, NewScrobble } from '../../src/outbox/outbox-store';
import { createRedisBackend } from '../../src/stores/redis-backend';
import type { SessionBackend } from '../../src/stores/backend';
import { buildApp, fakeConfig } from '../helpers/app';
import { signedInAgent, teachAccountMethods } from '../helpers/account';
import { FakeLastfm } from '../helpers/fake-lastfm';
import { TestRedis } from '../helpers/redis-server';
import { until } from '../helpers/stand-in';

/*
 * The Redis outbox against a real redis-server: no stored scrobble, however odd its text, can make
 * a claim or a finish fail, and scrobbles kept by the earlier layout are still sent.
 */

const PREFIX = 'lastfm-signin:outbox:';
let redis: TestRedis;
let client: ReturnType<typeof createClient>;
let store: RedisOutbox;
const NOW = 1_780_000_000_000;

beforeAll(async () => {
  redis = await new TestRedis().start();
});

afterAll(async () => {
  await redis.stop();
});

beforeEach(async () => {
  client = createClient({ url: redis.url });
  await client.connect();
  await client.flushAll();
  store = new RedisOutbox(client);
});

afterEach(() => {
  client.destroy();
});

/** The claim, which the test needs to exist. */
async function claimed(request: Parameters<RedisOutbox['claim']>[0]): Promise<Claim> {
  const claim = await store.claim(request);
  if (claim === undefined) throw new Error('nothing claimed');
  return claim;
}

/** Leases and due times run on Redis's clock: the tests wait for it in real time. */
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const scrobble = (id: string, track: string, timestamp = NOW / 1000 - 600): NewScrobble => ({ id, batch: `b-${id}`, artist: 'M', track, timestamp });

it('a scrobble whose text JSON writes as \\udc00 goes through claim, a send cut short, a second claim and finish, and the next person is claimed after', async () => {
  await store.add('mallory', 'sealed-m', [scrobble('00000000-0000-4000-8000-000000000001', '\udc00')], NOW, 10_000);
  await sleep(5);
  await store.add('ada', 'sealed-a', [scrobble('00000000-0000-4000-8000-000000000002', 'Fine')], NOW + 1, 10_000);

  const first = await claimed({ max: 50, leaseMs: 100, now: NOW + 10 });
  expect(first.user).toBe('mallory');
  expect(first.items[0]?.track).toBe('\udc00');
  // The call was about to go when this instance died: the lease runs out with the items marked as sending.
  expect(await store.renew(first, 100, NOW + 10, true)).toBe(true);

  const ada = await store.claim({ max: 50, leaseMs: 100, now: NOW + 20 });
  expect(ada?.user).toBe('ada');
  await sleep(150);
  const again = await claimed({ max: 50, leaseMs: 1000, now: NOW + 2000 });
  expect(again.user).toBe('mallory');
  expect(again.items[0]).toMatchObject({ track: '\udc00', unanswered: 1 });
  await store.finish(again, { settled: [{ id: '00000000-0000-4000-8000-000000000001', state: 'accepted' }], sent: true, unanswered: false, failures: 0 }, NOW + 2100);

  const [item] = await store.get(['00000000-0000-4000-8000-000000000001']);
  expect(item).toMatchObject({ state: 'accepted', tries: 1, unanswered: 1, settledAt: NOW + 2100 });
  expect(await store.claim({ max: 50, leaseMs: 1000, now: NOW + 3000 })).toMatchObject({ user: 'ada' });
});

it('a waiting reason in any text, even a lone surrogate from an odd answer, is kept without breaking the finish', async () => {
  await store.add('ada', 'sealed-a', [scrobble('00000000-0000-4000-8000-000000000003', 'T')], NOW, 10_000);
  const claim = await claimed({ max: 50, leaseMs: 1000, now: NOW });
  await store.finish(claim, { settled: [], sent: true, unanswered: true, reason: 'Last.fm said \ud800 "oops"', retryAt: NOW + 51, failures: 1 }, NOW + 1);
  const [item] = await store.get(['00000000-0000-4000-8000-000000000003']);
  expect(item).toMatchObject({ state: 'queued', unanswered: 1, tries: 1, reason: expect.stringContaining('oops') as unknown });
  await sleep(60);
  expect(await store.claim({ max: 50, leaseMs: 1000, now: NOW + 500 })).toMatchObject({ user: 'ada', failures: 1 });
});

it('a stored scrobble that cannot be read back is handed out as unreadable, and settling it frees the person and the line', async () => {
  await store.add('mallory', 'sealed-m', [scrobble('00000000-0000-4000-8000-000000000004', 'A'), scrobble('00000000-0000-4000-8000-000000000005', 'B', NOW / 1000 - 500)], NOW, 10_000);
  await sleep(5);
  await store.add('ada', 'sealed-a', [scrobble('00000000-0000-4000-8000-000000000006', 'Fine')], NOW + 1, 10_000);
  await client.hSet(`${PREFIX}entry:00000000-0000-4000-8000-000000000004`, 'data', '{"artist":');

  const claim = await claimed({ max: 50, leaseMs: 1000, now: NOW + 10 });
  expect(claim).toMatchObject({ user: 'mallory', unreadable: ['00000000-0000-4000-8000-000000000004'] });
  expect(claim.items.map((item) => item.track)).toEqual(['B']);
  await store.finish(claim, { settled: [{ id: '00000000-0000-4000-8000-000000000004', state: 'failed', reason: 'unreadable' }, { id: '00000000-0000-4000-8000-000000000005', state: 'accepted' }], sent: true, unanswered: false, failures: 0 }, NOW + 20);

  expect(await client.zCard(`${PREFIX}queue:mallory`)).toBe(0);
  expect(await store.claim({ max: 50, leaseMs: 1000, now: NOW + 30 })).toMatchObject({ user: 'ada' });
  expect(await store.claim({ max: 50, leaseMs: 1000, now: NOW + 40 })).toBeUndefined();
});

it('a lease holds on Redis\'s clock: an instance whose clock runs 30 s ahead cannot claim the person again and send twice', async () => {
  await store.add('ada', 'sealed-a', [scrobble('00000000-0000-4000-8000-000000000009', 'Once')], NOW, 10_000);
  const first = await claimed({ max: 50, leaseMs: 5000, now: Date.now() });
  expect(first.user).toBe('ada');
  const ahead = new RedisOutbox(client);
  expect(await ahead.claim({ max: 50, leaseMs: 5000, now: Date.now() + 30_000 })).toBeUndefined();
  expect(await ahead.claim({ max: 50, leaseMs: 5000, now: Date.now() + 30_000, user: 'ada' })).toBeUndefined();
});

it('scrobbles kept in the earlier layout (one JSON string each) are moved over once and still sent', async () => {
  const id = '00000000-0000-4000-8000-000000000007';
  const settledId = '00000000-0000-4000-8000-000000000008';
  const old = { ...scrobble(id, 'Kept \udc00'), user: 'ada', state: 'queued', unanswered: 1, tries: 1, queuedAt: NOW - 5000 };
  const settledOld = { ...scrobble(settledId, 'Done'), user: 'ada', state: 'accepted', unanswered: 0, tries: 1, queuedAt: NOW - 9000, settledAt: NOW - 8000 };
  await client.set(`${PREFIX}item:${id}`, JSON.stringify(old));
  await client.set(`${PREFIX}item:${settledId}`, JSON.stringify(settledOld), { PX: 60_000 });
  await client.zAdd(`${PREFIX}queue:ada`, { score: old.timestamp, value: id });
  await client.zAdd(`${PREFIX}mine:ada`, [{ score: NOW - 5000, value: id }, { score: NOW - 9000, value: settledId }]);
  await client.sAdd(`${PREFIX}people`, 'ada');
  await client.hSet(`${PREFIX}person:ada`, { key: 'sealed-a', sending: JSON.stringify([id]) });
  await client.zAdd(`${PREFIX}due`, { score: NOW - 5000, value: 'ada' });

  const claim = await store.claim({ max: 50, leaseMs: 1000, now: NOW });
  expect(claim).toMatchObject({ user: 'ada', sealedKey: 'sealed-a', unreadable: [] });
  // The earlier "sending" list still counts: the call it recorded got no answer.
  expect(claim?.items).toEqual([expect.objectContaining({ id, track: 'Kept \udc00', state: 'queued', unanswered: 2, tries: 1, queuedAt: NOW - 5000 })]);
  expect(await client.exists(`${PREFIX}item:${id}`)).toBe(0);
  const view = await store.view('ada', 10);
  expect(view.recent.map((item) => [item.id, item.state])).toEqual([[id, 'queued'], [settledId, 'accepted']]);
  expect(await client.pTTL(`${PREFIX}entry:${settledId}`)).toBeGreaterThan(0);
});

describe('the delivery loop on Redis', () => {
  let fake: FakeLastfm;
  let sessions: SessionBackend | undefined;

  beforeEach(async () => {
    fake = await new FakeLastfm().start();
    teachAccountMethods(fake);
  });

  afterEach(async () => {
    await sessions?.close();
    await fake.stop();
  });

  it('sets aside a stored scrobble it cannot read, logs it once with its id, and goes on with everyone else', async () => {
    const config = fakeConfig(fake, { SESSION_STORE: 'redis', REDIS_URL: redis.url });
    sessions = await createRedisBackend(config);
    const { app, logs } = buildApp(config, { sessions, outboxTiming: { answerWaitMs: 50, backoff: { baseMs: 1000, maxMs: 1000 }, pollMs: 50 } });
    const rj = await signedInAgent(app, fake, 'rj');
    const ada = await signedInAgent(app, fake, 'ada');

    // Last.fm fails every scrobble until the entry is broken, so rj's waits in the outbox meanwhile.
    let down = true;
    fake.onMethod('track.scrobble', (params) => (down ? [200, { error: 16, message: 'There was a temporary error processing your request.' }] : [200, acceptedAnswer(params)]));
    await rj.agent.post('/track/scrobble').set('Accept', 'application/json').send({ _csrf: rj.csrf, artist: 'M', track: 'Broken later' }).expect(202);
    const [queueKey] = await client.keys(`${PREFIX}queue:*`);
    const [id] = await client.zRange(queueKey ?? '', 0, -1);
    if (id === undefined) throw new Error('nothing queued');
    // Once rj's failed delivery has let go (its retry is a second away), the entry breaks under it.
    const person = `${PREFIX}person:${(queueKey ?? '').slice(`${PREFIX}queue:`.length)}`;
    await until(async () => (await client.hGet(`${PREFIX}entry:${id}`, 'tries')) === '1' && (await client.hGet(person, 'lease')) === null, 5000);
    await client.hSet(`${PREFIX}entry:${id}`, 'data', 'not json');
    down = false;

    await ada.agent.post('/track/scrobble').set('Accept', 'application/json').send({ _csrf: ada.csrf, artist: 'A', track: 'Fine' }).expect(200);
    const waiting = async (agent: typeof ada.agent): Promise<number> => ((await agent.get('/track/scrobbles').set('Accept', 'application/json').expect(200)).body as { waiting: number }).waiting;
    await until(async () => (await client.zCard(queueKey ?? '')) === 0 && (await waiting(ada.agent)) === 0, 10_000);

    const setAside = logs.lines.filter((line) => line.includes('could not be read'));
    expect(setAside).toHaveLength(1);
    expect(setAside[0]).toContain(id);
    expect(await client.hGet(`${PREFIX}entry:${id}`, 'state')).toBe('failed');
    const adas = (await ada.agent.get('/track/scrobbles').set('Accept', 'application/json').expect(200)).body as { scrobbles: { track: string; state: string }[] };
    expect(adas.scrobbles).toEqual([expect.objectContaining({ track: 'Fine', state: 'accepted' })]);
  });
});

/** Last.fm's answer accepting one scrobble. */
function acceptedAnswer(params: Record<string, string>): unknown {
  const scrobble = { artist: { corrected: '0', '#text': params['artist[0]'] }, track: { corrected: '0', '#text': params['track[0]'] }, timestamp: params['timestamp[0]'], ignoredMessage: { code: '0', '#text': '' } };
  return { scrobbles: { scrobble, '@attr': { accepted: 1, ignored: 0 } } };
}
