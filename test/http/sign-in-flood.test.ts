import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { DEMO_ACCOUNTS } from 'lastfm-sign-in/testing';
import { csrfFrom, sessionCookie } from '../helpers/app';
import { TestRedis } from '../helpers/redis-server';
import { ServerProcess } from '../helpers/server-process';
import { StrictStandIn } from '../helpers/strict-stand-in';

/**
 * The security review's case (issue 21): strangers from 20 addresses flood three instances on one
 * Redis with callbacks carrying made-up tokens and with desktop token requests, while a signed-in
 * person loves tracks. The per-address rate and the signed-out share of the budget must leave
 * that person's writes quick and never "Last.fm is busy". The flood is bounded: at most ROUNDS
 * rounds per address, and no new round once the loves are done, so the test stops by itself.
 */
jest.setTimeout(120_000);

const COOKIE = 'lastfm_signin.sid';
const [ADA] = DEMO_ACCOUNTS as [(typeof DEMO_ACCOUNTS)[number]];
const ADDRESSES = Array.from({ length: 20 }, (_, n) => `203.0.113.${n + 1}`);
/** Per address: WORKERS strangers sending callbacks and one asking for tokens, ROUNDS each: at most 20 × 7 × 10 = 1,400 requests. */
const WORKERS = 6;
const ROUNDS = 10;
const LOVES = 15;

let redis: TestRedis;
let standIn: StrictStandIn;
let workDir: string;
const instances: ServerProcess[] = [];

beforeAll(async () => {
  redis = await new TestRedis().start();
  standIn = await new StrictStandIn(5).start();
  workDir = mkdtempSync(path.join(os.tmpdir(), 'lastfm-flood-'));
  const env = { ...standIn.env, NODE_ENV: 'test', SESSION_STORE: 'redis', REDIS_URL: redis.url, SESSION_SECRET: 'sign-in-flood-session-secret-0123456789', TRUST_PROXY: 'loopback' };
  for (let i = 0; i < 3; i += 1) instances.push(await ServerProcess.start(env, workDir));
});

afterAll(async () => {
  for (const instance of instances) {
    instance.kill();
    await instance.exit(10_000);
  }
  await standIn.stop();
  await redis.stop();
  rmSync(workDir, { recursive: true, force: true });
});

const at = (i: number): string => instances[i % instances.length]?.baseUrl ?? '';
/** The cookies a browser would keep from this answer: the session's, and a visitor's form token. */
const cookieOf = (res: request.Response): string =>
  [COOKIE, `${COOKIE}.form`]
    .flatMap((name) => {
      const value = sessionCookie(res, name);
      return value === undefined ? [] : [`${name}=${value}`];
    })
    .join('; ');

/** One stranger's round on instance `i`: a sign-in started there, and its callback on the next instance with a made-up token. */
async function madeUpCallback(i: number, address: string, n: number): Promise<number> {
  const login = await request(at(i)).get('/auth/login').set('X-Forwarded-For', address);
  const state = login.status === 303 ? (new URL(new URL(login.headers.location as string).searchParams.get('cb') ?? '').searchParams.get('state') ?? '') : 'none';
  const madeUp = `${n.toString(16).padStart(8, '0')}${'e'.repeat(24)}`;
  return (await request(at(i + 1)).get(`/auth/callback?state=${state}&token=${madeUp}`).set('X-Forwarded-For', address).set('Cookie', cookieOf(login))).status;
}

/** A stranger asking instance `i` for desktop tokens, `rounds` times, with one form token. */
async function tokenRequests(i: number, address: string, rounds: number, stop: () => boolean): Promise<number[]> {
  const page = await request(at(i)).get('/desktop').set('X-Forwarded-For', address);
  const statuses: number[] = [];
  for (let n = 0; n < rounds && !stop(); n += 1) {
    statuses.push((await request(at(i + n)).post('/auth/desktop/token').type('form').set('X-Forwarded-For', address).set('Cookie', cookieOf(page)).send({ _csrf: csrfFrom(page.text) })).status);
  }
  return statuses;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

test('an anonymous flood of made-up callbacks and token requests from 20 addresses on 3 instances leaves a signed-in love quick (p99 < 1.5 s) and never 503', async () => {
  const form = await request(at(0)).get('/auth/mobile');
  const signedIn = await request(at(0)).post('/auth/mobile').type('form').set('Cookie', cookieOf(form)).send({ _csrf: csrfFrom(form.text), username: ADA.name, password: ADA.password });
  expect(signedIn.status).toBe(303);
  const cookie = cookieOf(signedIn);
  const csrf = csrfFrom((await request(at(1)).get('/').set('Cookie', cookie)).text);

  const strangerStatuses: number[] = [];
  let lovesDone = false;
  const stop = () => lovesDone;
  const flood = Promise.all(
    ADDRESSES.flatMap((address, a) => [
      ...Array.from({ length: WORKERS }, async (_, w) => {
        for (let n = 0; n < ROUNDS && !stop(); n += 1) strangerStatuses.push(await madeUpCallback(a + w + n, address, (a * WORKERS + w) * ROUNDS + n));
      }),
      tokenRequests(a, address, ROUNDS, stop).then((statuses) => strangerStatuses.push(...statuses)),
    ]),
  );

  const loveTimes: number[] = [];
  const loveStatuses: number[] = [];
  // Once the flood is under way: a love every 700 ms, round the instances, while the flood lasts.
  await new Promise((resolve) => setTimeout(resolve, 500));
  for (let n = 0; n < LOVES; n += 1) {
    const started = performance.now();
    const res = await request(at(n)).post('/track/love').type('form').set('Cookie', cookie).send({ _csrf: csrf, artist: 'Under Siege', track: `Track ${n}` });
    loveTimes.push(performance.now() - started);
    loveStatuses.push(res.status);
    await new Promise((resolve) => setTimeout(resolve, 700));
  }
  lovesDone = true;
  await flood;

  expect(loveStatuses).toEqual(Array(LOVES).fill(303));
  expect(percentile(loveTimes, 99)).toBeLessThan(1500);
  // The flood reached Last.fm, but only within the signed-out share (2 of 5 a second) ...
  expect(standIn.signInArrivals.length).toBeGreaterThan(10);
  expect(standIn.busiestSecond(standIn.signInArrivals)).toBeLessThanOrEqual(2);
  // ... and each address was turned away once past its rate.
  expect(strangerStatuses).toContain(429);
  expect(standIn.refusedWith29).toBe(0);
});
