import express from 'express';
import { createClient } from 'redis';
import request from 'supertest';
import { KeySealer, createAxiosTransport, createLastfmClient, type HttpTransport } from '../src';
import { redisSharedState, type RedisClient } from '../src/redis';
import { itemKey, startSandbox, type StartedSandbox } from '../src/testing';
import { buildHost, signIn, type Host } from './helpers/host';
import { startRedis } from './helpers/redis';

const PER_SECOND = 2;
let sandbox: StartedSandbox;
let redis: Awaited<ReturnType<typeof startRedis>>;
const clients: RedisClient[] = [];

beforeAll(async () => {
  [sandbox, redis] = await Promise.all([startSandbox(), startRedis()]);
});

afterAll(async () => {
  await Promise.all(clients.map((client) => client.quit()));
  await Promise.all([sandbox.close(), redis.stop()]);
});

/** When each call left for Last.fm, across every host. */
const departures: number[] = [];

function recording(inner: HttpTransport): HttpTransport {
  return {
    send(call) {
      departures.push(Date.now());
      return inner.send(call);
    },
  };
}

/** One instance of the host app: its own Redis connection, its own client, the one shared budget. */
async function instance(): Promise<Host> {
  const connection: RedisClient = createClient({ url: redis.url });
  await connection.connect();
  clients.push(connection);
  const shared = redisSharedState(connection, { apiKey: sandbox.apiKey, sealer: new KeySealer(['a-sealer-secret-of-at-least-32-characters']), perSecond: PER_SECOND });
  const client = createLastfmClient({
    apiKey: sandbox.apiKey,
    sharedSecret: sandbox.sharedSecret,
    apiUrl: sandbox.apiUrl,
    authUrl: sandbox.authUrl,
    budget: shared.budget,
    transport: recording(createAxiosTransport({ userAgent: 'lastfm-sign-in tests', timeoutMs: 10_000 })),
  });
  return buildHost(express, sandbox, { client, shared });
}

test('two hosts over one Redis share one call budget: Last.fm never sees more than perSecond calls a second from both together', async () => {
  const [first, second] = await Promise.all([instance(), instance()]);
  const [ada, bo] = await Promise.all([signIn(first, sandbox, 'sandbox-ada'), signIn(second, sandbox, 'sandbox-bo')]);
  const loves = [1, 2, 3].flatMap((n) => [
    request(first.app).post('/love').set('Cookie', ada.cookie).type('form').send({ artist: 'Artist', track: `Track ${n}` }).expect(303),
    request(second.app).post('/love').set('Cookie', bo.cookie).type('form').send({ artist: 'Artist', track: `Track ${n}` }).expect(303),
  ]);
  await Promise.all(loves);

  expect(sandbox.state.library.of('sandbox-ada').loves.has(itemKey('Artist', 'Track 3'))).toBe(true);
  expect(sandbox.state.library.of('sandbox-bo').loves.has(itemKey('Artist', 'Track 3'))).toBe(true);
  const sorted = [...departures].sort((a, b) => a - b);
  expect(sorted).toHaveLength(8);
  // A slot is held until a second after its call's answer, so the call two places later left at
  // least a second after: with a budget per host, both hosts' first calls would leave together.
  for (let i = 0; i + PER_SECOND < sorted.length; i += 1) {
    expect((sorted[i + PER_SECOND] ?? 0) - (sorted[i] ?? 0)).toBeGreaterThanOrEqual(990);
  }
});
