import http from 'node:http';
import os from 'node:os';
import { DEMO_ACCOUNTS } from 'lastfm-sign-in/testing';
import { TestRedis } from '../test/helpers/redis-server';
import { startChild, type ChildServer } from './child';
import { Browser } from './sign-in';
import { COUNTED_METHODS } from './stand-in-server';
import { standInEnv } from './strict-stand-in';

/**
 * Issue 11's three measurements: three real app processes (bench/instance-server.ts) on one
 * redis-server, sharing one strict Last.fm stand-in (5 arrivals a second, error 29 beyond) in
 * a fourth process. This one is the load generator.
 */

const INSTANCES = 3;
const PER_SECOND = 5;
const READ_METHODS = COUNTED_METHODS.filter((method) => method.startsWith('user.'));
/**
 * Sign-in callbacks are signed out, so they are counted per address, and this process is one
 * address: each instance lets it have a few calls waiting (4). Two per instance stays clear of that.
 */
const SIGN_INS_PER_INSTANCE = 2;

interface Cluster {
  standIn: ChildServer;
  standInOrigin: string;
  origins: string[];
  agent: http.Agent;
  stop(): Promise<void>;
}

async function startCluster(): Promise<Cluster> {
  const redis = await new TestRedis().start();
  const standIn = await startChild('stand-in-server.js', [String(PER_SECOND)]);
  const env = { ...standInEnv(standIn.port), SESSION_STORE: 'redis', REDIS_URL: redis.url, SESSION_SECRET: 'many-instances-bench-session-secret-0123456789', SIGN_IN_STARTS_PER_MINUTE: '1000000' };
  const instances: ChildServer[] = [];
  for (let i = 0; i < INSTANCES; i += 1) instances.push(await startChild('instance-server.js', [], env));
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  return {
    standIn,
    standInOrigin: `http://127.0.0.1:${standIn.port}`,
    origins: instances.map((instance) => `http://127.0.0.1:${instance.port}`),
    agent,
    stop: async () => {
      agent.destroy();
      for (const instance of instances) await instance.stop();
      await standIn.stop();
      await redis.stop();
    },
  };
}

interface SignedIn {
  browser: Browser;
  csrf: string;
}

/**
 * A web sign-in as Last.fm would finish it: /auth/login sends the browser to Last.fm with `cb`;
 * the stand-in issues a token `user` has already allowed, and the callback redeems it (the web
 * flow has no password attempt limit, which many sign-ins from one address would meet).
 */
async function signIn(cluster: Cluster, instance: number, user: string, agent = cluster.agent): Promise<SignedIn> {
  const origin = cluster.origins[instance % INSTANCES] ?? '';
  const browser = new Browser(agent, origin);
  const login = await browser.request('GET', '/auth/login');
  const cb = login.location === undefined ? null : new URL(login.location).searchParams.get('cb');
  if (login.status !== 303 || cb === null) throw new Error(`login answered ${login.status}`);
  const token = await browser.request('POST', `${cluster.standInOrigin}/bench/approved-token?user=${encodeURIComponent(user)}`, '');
  if (token.status !== 200) throw new Error(`the stand-in answered ${token.status} for a token`);
  const callback = new URL(cb);
  callback.searchParams.set('token', token.text);
  const done = await browser.request('GET', callback.href);
  if (done.status !== 303) throw new Error(`callback answered ${done.status}: ${done.text.slice(0, 200)}`);
  return { browser, csrf: await csrfOf(browser, '/desktop') };
}

/** The form token on `page`: it belongs to the session, so every instance accepts it. */
async function csrfOf(browser: Browser, page: string): Promise<string> {
  const res = await browser.request('GET', page);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(res.text)?.[1];
  if (csrf === undefined) throw new Error(`no form token on ${page} (${res.status})`);
  return csrf;
}

/** `count` sign-ins, alternating the demo accounts, a few at a time per instance. */
async function signInMany(cluster: Cluster, count: number): Promise<SignedIn[]> {
  const signedIn: SignedIn[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: INSTANCES * SIGN_INS_PER_INSTANCE }, async (_, worker) => {
      for (let n = next++; n < count; n = next++) {
        signedIn[n] = await signIn(cluster, worker, DEMO_ACCOUNTS[n % DEMO_ACCOUNTS.length]?.name ?? '');
      }
    }),
  );
  return signedIn;
}

async function love(browser: Browser, origin: string, csrf: string, track: string): Promise<{ status: number; ms: number }> {
  const t0 = performance.now();
  const res = await browser.request('POST', `${origin}/track/love`, new URLSearchParams({ _csrf: csrf, artist: 'Bench', track }).toString());
  return { status: res.status, ms: performance.now() - t0 };
}

export interface Percentiles {
  count: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** How many took 1.5 s or more (issue 11's target for a love). */
  atLeast1500Ms: number;
}

function percentiles(values: number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const pick = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  return { count: sorted.length, p50Ms: Math.round(pick(0.5)), p99Ms: Math.round(pick(0.99)), maxMs: Math.round(sorted.at(-1) ?? Number.NaN), atLeast1500Ms: sorted.filter((ms) => ms >= 1500).length };
}

function tally(statuses: number[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const status of statuses) counts[String(status)] = (counts[String(status)] ?? 0) + 1;
  return counts;
}

/** The stand-in's counters gained between two readings; the busiest second is the highest seen. */
function since(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const gained = Object.fromEntries(Object.entries(after).map(([key, value]) => [key, value - (before[key] ?? 0)]));
  return { ...gained, busiestSecond: after.busiestSecond ?? 0 };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** Lets every slot taken before a measurement lapse, so it starts with the whole budget. */
const BUDGET_CLEAR_MS = 1_500;

export interface BurstResult {
  writes: number;
  sessions: number;
  concurrency: number;
  statuses: Record<string, number>;
  lovesAtStandIn: number;
  errors29: number;
  busiestSecond: number;
  elapsedSeconds: number;
  predictedSeconds: number;
  /** The machine's 1-minute load average at the end: above 2 the two cores were oversubscribed. */
  loadAverage: number;
}

/**
 * `writes` loves, round-robin over the instances, from `sessions` browsers with `concurrency`
 * requests open: far more waiting than the budget passes, so the budget is the only limit.
 */
export async function measureBurst(writes = 300, sessions = 20, concurrency = 30): Promise<BurstResult> {
  const cluster = await startCluster();
  try {
    const browsers = await signInMany(cluster, sessions);
    await sleep(BUDGET_CLEAR_MS);
    const before = await cluster.standIn.stats();
    const statuses: number[] = [];
    let next = 0;
    const started = performance.now();
    await Promise.all(
      // Worker w is session w % sessions on instance w % 3: no session has more than one call
      // waiting on any instance, well inside its few places.
      Array.from({ length: concurrency }, async (_, worker) => {
        const { browser, csrf } = browsers[worker % sessions] as SignedIn;
        const origin = cluster.origins[worker % INSTANCES] ?? '';
        for (let n = next++; n < writes; n = next++) statuses.push((await love(browser, origin, csrf, `Burst ${n}`)).status);
      }),
    );
    const elapsedSeconds = (performance.now() - started) / 1000;
    const counted = since(before, await cluster.standIn.stats());
    return {
      writes,
      sessions,
      concurrency,
      statuses: tally(statuses),
      lovesAtStandIn: counted['track.love'] ?? 0,
      errors29: counted.refusedWith29 ?? 0,
      busiestSecond: counted.busiestSecond ?? 0,
      elapsedSeconds,
      predictedSeconds: writes / PER_SECOND,
      loadAverage: os.loadavg()[0] ?? Number.NaN,
    };
  } finally {
    await cluster.stop();
  }
}

export interface BrowseResult {
  clients: number;
  seconds: number;
  thinkMs: number;
  pageViews: number;
  pageStatuses: Record<string, number>;
  pages: Percentiles;
  stalePages: number;
  pagesWithMissingPart: number;
  loves: Percentiles;
  loveStatuses: Record<string, number>;
  readCalls: number;
  lastfmCalls: number;
  readCallsPerPageView: number;
  errors29: number;
  loadAverage: number;
}

/**
 * `clients` signed-in browsers (the two demo accounts, alternating) each loading the home page
 * from the next instance, pausing `thinkMs` between pages, while one more browser (the first
 * demo account) loves a new track every second: that love moves the person's read version, so
 * half the browsers find their reads out of date each second.
 */
export async function measureBrowse(clients = 200, seconds = 60, thinkMs = 1_000): Promise<BrowseResult> {
  const cluster = await startCluster();
  try {
    const browsers = await signInMany(cluster, clients + 1);
    const lover = browsers.shift() as SignedIn;
    await sleep(BUDGET_CLEAR_MS);
    const before = await cluster.standIn.stats();
    const pageStatuses: number[] = [];
    const pageMs: number[] = [];
    let stalePages = 0;
    let pagesWithMissingPart = 0;
    const loveMs: number[] = [];
    const loveStatuses: number[] = [];
    const started = performance.now();
    const deadline = started + seconds * 1000;

    const browsing = browsers.map(async ({ browser }, i) => {
      // Spread the first pages over one think time, as people do not all click at once.
      await sleep((thinkMs * i) / browsers.length);
      for (let view = i; performance.now() < deadline; view += 1) {
        const t0 = performance.now();
        const res = await browser.request('GET', `${cluster.origins[view % INSTANCES] ?? ''}/`);
        pageMs.push(performance.now() - t0);
        pageStatuses.push(res.status);
        if (res.text.includes('data-testid="stale-notice"')) stalePages += 1;
        if (res.text.includes('Could not load your')) pagesWithMissingPart += 1;
        await sleep(thinkMs);
      }
    });
    // On a fixed beat, not one second after each answer, so a slow love does not thin the writes.
    const loving = (async () => {
      const pending: Promise<void>[] = [];
      for (let n = 0; started + n * 1000 < deadline; n += 1) {
        await sleep(started + n * 1000 - performance.now());
        pending.push(
          love(lover.browser, cluster.origins[n % INSTANCES] ?? '', lover.csrf, `Every second ${n}`).then(({ status, ms }) => {
            loveStatuses.push(status);
            loveMs.push(ms);
          }),
        );
      }
      await Promise.all(pending);
    })();
    await Promise.all([...browsing, loving]);

    const counted = since(before, await cluster.standIn.stats());
    const readCalls = READ_METHODS.reduce((sum, method) => sum + (counted[method] ?? 0), 0);
    return {
      clients,
      seconds,
      thinkMs,
      pageViews: pageMs.length,
      pageStatuses: tally(pageStatuses),
      pages: percentiles(pageMs),
      stalePages,
      pagesWithMissingPart,
      loves: percentiles(loveMs),
      loveStatuses: tally(loveStatuses),
      readCalls,
      lastfmCalls: counted.total ?? 0,
      readCallsPerPageView: readCalls / pageMs.length,
      errors29: counted.refusedWith29 ?? 0,
      loadAverage: os.loadavg()[0] ?? Number.NaN,
    };
  } finally {
    await cluster.stop();
  }
}

export interface FloodResult {
  floodRequests: number;
  concurrency: number;
  floodStatuses: Record<string, number>;
  floodSeconds: number;
  loves: Percentiles;
  loveStatuses: Record<string, number>;
  tokensAtStandIn: number;
  lovesAtStandIn: number;
  errors29: number;
  loadAverage: number;
}

/**
 * One signed-out client with a valid form token asks for `requests` desktop tokens, round-robin
 * over the instances, `concurrency` at a time, while a signed-in victim loves a track every
 * `loveEveryMs` for as long as the flood lasts (and at least `minLoves` times).
 */
export async function measureFlood(requests = 1_000, concurrency = 100, loveEveryMs = 300, minLoves = 30): Promise<FloodResult> {
  const cluster = await startCluster();
  const floodAgent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  try {
    const victim = await signIn(cluster, 0, DEMO_ACCOUNTS[0]?.name ?? '');
    const flooder = new Browser(floodAgent, cluster.origins[0] ?? '');
    const csrf = await csrfOf(flooder, '/desktop');
    await sleep(BUDGET_CLEAR_MS);
    const before = await cluster.standIn.stats();
    const floodStatuses: number[] = [];
    const body = new URLSearchParams({ _csrf: csrf }).toString();
    const progress = { floodDone: false };
    let next = 0;
    const started = performance.now();
    const flood = Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (let n = next++; n < requests; n = next++) {
          floodStatuses.push((await flooder.request('POST', `${cluster.origins[n % INSTANCES] ?? ''}/auth/desktop/token`, body)).status);
        }
      }),
    ).then(() => {
      progress.floodDone = true;
      return (performance.now() - started) / 1000;
    });
    const loveMs: number[] = [];
    const loveStatuses: number[] = [];
    const pending: Promise<void>[] = [];
    for (let n = 0; !progress.floodDone || n < minLoves; n += 1) {
      await sleep(started + n * loveEveryMs - performance.now());
      pending.push(
        love(victim.browser, cluster.origins[n % INSTANCES] ?? '', victim.csrf, `Under flood ${n}`).then(({ status, ms }) => {
          loveStatuses.push(status);
          loveMs.push(ms);
        }),
      );
    }
    const floodSeconds = await flood;
    await Promise.all(pending);
    const counted = since(before, await cluster.standIn.stats());
    return {
      floodRequests: requests,
      concurrency,
      floodStatuses: tally(floodStatuses),
      floodSeconds,
      loves: percentiles(loveMs),
      loveStatuses: tally(loveStatuses),
      tokensAtStandIn: counted['auth.getToken'] ?? 0,
      lovesAtStandIn: counted['track.love'] ?? 0,
      errors29: counted.refusedWith29 ?? 0,
      loadAverage: os.loadavg()[0] ?? Number.NaN,
    };
  } finally {
    floodAgent.destroy();
    await cluster.stop();
  }
}
