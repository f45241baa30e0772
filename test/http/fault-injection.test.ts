import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import type { RetryPolicy } from 'lastfm-sign-in';
import { DEMO_ACCOUNTS, itemKey, SANDBOX_API_KEY, SandboxState, type SandboxFault } from 'lastfm-sign-in/testing';
import { loadConfig } from '../../src/config';
import { buildApp, csrfFrom, startSandboxServer, type LogCapture } from '../helpers/app';

/*
 * The whole app in sandbox mode on a real loopback port: the Last.fm client talks to the stand-in
 * over real HTTP, and the stand-in misbehaves on cue. Times are shortened so the suite is quick;
 * the bounds checked are correctness bounds (retries stop), not speed targets.
 */
jest.setTimeout(60_000);

const TIMEOUT_MS = 300;
const POLICY: RetryPolicy = { maxAttempts: 3, baseDelayMs: 20, maxDelayMs: 80, budgetMs: 1000 };
const BACK_OFF_MS = 300;
const SLOW_MS = TIMEOUT_MS * 3;
/** A retry may start just before the budget runs out and then wait out a whole timeout; the rest is margin. */
const WORST_CASE_MS = POLICY.budgetMs + TIMEOUT_MS + 1500;

const ADA = DEMO_ACCOUNTS[0] ?? { name: '', email: '', password: '' };
const UNAVAILABLE = 'Last.fm is unavailable and nothing was changed';
const UNCERTAIN = 'cannot tell whether any change was made';
const SIGNED_OUT_HOME = '<h1>Sign in with Last.fm</h1>';

interface FaultCase {
  name: string;
  fault: SandboxFault;
  /** Retried by calls that may safely be repeated (reads, love, tags). */
  safeRetry: boolean;
  /** The stand-in carried out the call although the app got no usable answer. */
  carriedOut: boolean;
  status: number;
  /** What the error page says. */
  page: string;
  /** What the signed-in home says when its reads fail this way. */
  homeText: string;
  signsOut?: boolean;
}

const FAULTS: FaultCase[] = [
  { name: 'error 8', fault: { kind: 'error', code: 8 }, safeRetry: true, carriedOut: false, status: 503, page: UNAVAILABLE, homeText: UNAVAILABLE },
  { name: 'error 9', fault: { kind: 'error', code: 9 }, safeRetry: false, carriedOut: false, status: 401, page: 'Last.fm access was revoked; sign in again', homeText: 'Last.fm access was revoked; sign in again', signsOut: true },
  { name: 'error 11', fault: { kind: 'error', code: 11 }, safeRetry: true, carriedOut: false, status: 503, page: UNAVAILABLE, homeText: UNAVAILABLE },
  { name: 'error 16', fault: { kind: 'error', code: 16 }, safeRetry: true, carriedOut: false, status: 503, page: UNAVAILABLE, homeText: UNAVAILABLE },
  { name: 'error 26', fault: { kind: 'error', code: 26 }, safeRetry: false, carriedOut: false, status: 502, page: 'Something went wrong talking to Last.fm', homeText: 'This is a problem with this app' },
  { name: 'error 29', fault: { kind: 'error', code: 29 }, safeRetry: false, carriedOut: false, status: 429, page: 'Too many requests to Last.fm', homeText: 'Last.fm asked this app to slow down' },
  { name: 'an HTML 500', fault: { kind: 'html-500' }, safeRetry: true, carriedOut: false, status: 503, page: UNAVAILABLE, homeText: UNAVAILABLE },
  { name: 'malformed JSON', fault: { kind: 'malformed-json' }, safeRetry: true, carriedOut: true, status: 503, page: UNCERTAIN, homeText: UNCERTAIN },
  { name: 'a reply slower than the timeout', fault: { kind: 'slow', delayMs: SLOW_MS }, safeRetry: true, carriedOut: true, status: 503, page: UNCERTAIN, homeText: UNCERTAIN },
  { name: 'a dropped connection', fault: { kind: 'drop' }, safeRetry: true, carriedOut: false, status: 503, page: UNAVAILABLE, homeText: UNAVAILABLE },
  { name: 'a reply that never ends', fault: { kind: 'never-ends' }, safeRetry: true, carriedOut: true, status: 503, page: UNCERTAIN, homeText: UNCERTAIN },
];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** App and stand-in share one clock that tests move on, to outlive the read cache. */
let offsetMs = 0;
const now = () => Date.now() + offsetMs;
const state = new SandboxState(now);
let server: Awaited<ReturnType<typeof startSandboxServer>>;
let testNumber = 0;

beforeAll(async () => {
  const wide = { max: 1000, windowMs: 60_000 };
  server = await startSandboxServer(
    { LASTFM_TIMEOUT_MS: String(TIMEOUT_MS), LASTFM_RATE_LIMIT: '50', OUTBOX_RETRY_MAX_MS: '200' },
    { sandboxState: state, now, lastfmRetryPolicy: POLICY, lastfmRateLimitBackOffMs: BACK_OFF_MS, mobileLimits: { perClient: wide, perUser: wide } },
  );
});

afterAll(async () => {
  await server.close();
});

beforeEach(() => {
  state.faults.clear();
  state.calls.reset();
  testNumber += 1;
});

/** A fresh signed-in session (password flow against the stand-in) and its CSRF token. */
async function signIn(): Promise<{ agent: ReturnType<typeof request.agent>; csrf: string }> {
  const agent = request.agent(server.baseUrl);
  const form = await agent.get('/auth/mobile').expect(200);
  await agent.post('/auth/mobile').type('form').send({ _csrf: csrfFrom(form.text), username: ADA.name, password: ADA.password }).expect(303);
  const home = await agent.get('/').expect(200);
  expect(home.text).toContain('Scrobble a track');
  state.calls.reset();
  return { agent, csrf: csrfFrom(home.text) };
}

/** Polls until `check` holds (the delivery loop runs on its own time). */
async function waitFor(check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(20);
  }
}

async function outboxOf(agent: ReturnType<typeof request.agent>): Promise<{ waiting: number; scrobbles: { track: string; state: string; sentAgain: boolean }[] }> {
  return (await agent.get('/track/scrobbles').set('Accept', 'application/json').expect(200)).body as { waiting: number; scrobbles: { track: string; state: string; sentAgain: boolean }[] };
}

function scrobblesOf(track: string): number {
  return state.library.of(ADA.name).scrobbles.filter((scrobble) => scrobble.track === track).length;
}

/** Lets late effects land (a slow call is carried out after its delay) and any 29 back-off pass. */
async function afterFault(fault: SandboxFault): Promise<void> {
  state.faults.clear();
  if (fault.kind === 'slow') await sleep(fault.delayMs + 100);
  if (fault.kind === 'error' && fault.code === 29) await sleep(BACK_OFF_MS + 50);
}

/** The process still serves: health check, and the person's home page (signed in or not, as expected). */
async function expectStillServing(agent: ReturnType<typeof request.agent>, signedIn: boolean): Promise<void> {
  await request(server.baseUrl).get('/healthz').expect(200);
  offsetMs += 61_000;
  const home = await agent.get('/').expect(200);
  if (signedIn) {
    expect(home.text).toContain('Scrobble a track');
    expect(home.text).not.toContain('Could not load your Last.fm data');
  } else {
    expect(home.text).toContain(SIGNED_OUT_HOME);
  }
}

describe.each(FAULTS)('$name', (c) => {
  it('on a scrobble: answered at once, kept in the outbox, and delivered once Last.fm answers (sent again, and said so, when an answer was lost)', async () => {
    const { agent, csrf } = await signIn();
    const track = `Kept ${testNumber}`;
    state.faults.plan(c.fault);
    const started = performance.now();
    const res = await agent.post('/track/scrobble').type('form').send({ _csrf: csrf, artist: 'Björk', track });
    expect(performance.now() - started).toBeLessThan(WORST_CASE_MS);
    expect(res.text).not.toContain('Internal Server Error');
    if (c.signsOut === true) {
      // The key was refused: signed out, and the scrobble waits for the next sign-in's key.
      expect(res.status).toBe(401);
      expect(res.text).toContain('1 scrobble will be sent once you sign in again');
      await expectStillServing(agent, false);
      const again = await signIn();
      await waitFor(() => scrobblesOf(track) === 1);
      await expectStillServing(again.agent, true);
      return;
    }
    expect(res.status).toBe(303);
    expect((await agent.get('/').expect(200)).text).toContain('Saved: Last.fm is not answering just now, so 1 scrobble waits here and will be sent when it answers.');
    expect(state.calls.of('track.scrobble')).toBe(1);

    // The delivery loop sends it again once the fault is past: recorded once, or twice when the
    // stand-in had carried out the try whose answer was lost, and then the state says so.
    await waitFor(async () => (await outboxOf(agent)).waiting === 0);
    await afterFault(c.fault);
    const [item] = (await outboxOf(agent)).scrobbles;
    // A dropped connection cannot tell whether the call arrived, so its resend is called one too.
    expect(item).toMatchObject({ track, state: 'accepted', sentAgain: c.carriedOut || c.fault.kind === 'drop' });
    expect(scrobblesOf(track)).toBe(c.carriedOut ? 2 : 1);
    await expectStillServing(agent, true);
  });

  it('on a love, once: retried within budget where that is safe, and the love lands', async () => {
    const { agent, csrf } = await signIn();
    const track = `Loved ${testNumber}`;
    state.faults.plan(c.fault);
    const started = performance.now();
    const res = await agent.post('/track/love').type('form').send({ _csrf: csrf, artist: 'Björk', track });
    expect(performance.now() - started).toBeLessThan(WORST_CASE_MS);
    const loved = () => state.library.of(ADA.name).loves.has(itemKey('Björk', track));
    if (c.safeRetry) {
      expect(res.status).toBe(303);
      expect(state.calls.of('track.love')).toBe(2);
      expect(loved()).toBe(true);
    } else {
      expect(res.status).toBe(c.status);
      expect(res.text).toContain(c.page);
      expect(state.calls.of('track.love')).toBe(1);
      expect(loved()).toBe(false);
    }
    await afterFault(c.fault);
    await expectStillServing(agent, c.signsOut !== true);
  });

  it('on now playing: never retried', async () => {
    const { agent, csrf } = await signIn();
    state.faults.plan(c.fault, POLICY.maxAttempts);
    const res = await agent.post('/track/now-playing').type('form').send({ _csrf: csrf, artist: 'Björk', track: 'Jóga' });
    expect(res.status).toBe(c.status);
    expect(res.text).toContain(c.page);
    expect(state.calls.of('track.updateNowPlaying')).toBe(1);
    await afterFault(c.fault);
    await expectStillServing(agent, c.signsOut !== true);
  });

  it('on the signed-in home, every try: the page says so, reads stay within budget, still serving', async () => {
    const { agent } = await signIn();
    offsetMs += 61_000;
    state.faults.plan(c.fault, 3 * POLICY.maxAttempts + 2);
    const started = performance.now();
    const res = await agent.get('/');
    expect(performance.now() - started).toBeLessThan(WORST_CASE_MS);
    if (c.signsOut === true) {
      expect(res.status).toBe(401);
      expect(res.text).toContain(c.homeText);
    } else if (c.name === 'error 26') {
      // A refused API key says nothing good about the stored copy's future: the failure in words.
      expect(res.status).toBe(200);
      expect(res.text).toContain(`Could not load your profile: `);
      expect(res.text).toContain(c.homeText);
      expect(res.text).toContain('Scrobble a track');
    } else {
      // Trouble on Last.fm's side: the last good copy, said to be one.
      expect(res.status).toBe(200);
      expect(res.text).toContain('Last.fm is not answering just now, so your profile, recent tracks and tags below are as they were 1 minute ago.');
      expect(res.text).toContain('data-testid="profile"');
      expect(res.text).not.toContain('Could not load your');
      expect(res.text).toContain('Scrobble a track');
    }
    for (const method of ['user.getInfo', 'user.getRecentTracks', 'user.getTopTags']) {
      expect(state.calls.of(method)).toBeLessThanOrEqual(c.safeRetry ? POLICY.maxAttempts : 1);
    }
    await afterFault(c.fault);
    await expectStillServing(agent, c.signsOut !== true);
  });
});

describe('error 29 backs off', () => {
  it('holds calls waiting behind it until the back-off is over, then sends them', async () => {
    const { agent, csrf } = await signIn();
    state.faults.plan({ kind: 'error', code: 29 });
    await agent.post('/track/love').type('form').send({ _csrf: csrf, artist: 'Björk', track: 'Back-off' }).expect(429);
    const answeredAt = performance.now();
    // Waits out the pause (its deadline is longer), then goes.
    await agent.post('/track/love').type('form').send({ _csrf: csrf, artist: 'Björk', track: 'Back-off' }).expect(303);
    expect(performance.now() - answeredAt).toBeGreaterThanOrEqual(BACK_OFF_MS - 100);
    expect(state.calls.of('track.love')).toBe(2);
  });
});

describe('the stand-in cleans up a reply that never ends', () => {
  /** The stand-in alone on its own port, so its open connections can be counted. */
  async function standIn(): Promise<{ server: http.Server; url: string; logs: LogCapture }> {
    const own = new SandboxState();
    own.faults.plan({ kind: 'never-ends' });
    const { app, logs } = buildApp(loadConfig({ NODE_ENV: 'test', PUBLIC_URL: 'http://127.0.0.1:3999/' }), { sandboxState: own });
    const standInServer = http.createServer(app);
    await new Promise<void>((resolve) => standInServer.listen(0, '127.0.0.1', resolve));
    const query = new URLSearchParams({ method: 'user.getInfo', user: ADA.name, api_key: SANDBOX_API_KEY, format: 'json' });
    return { server: standInServer, logs, url: `http://127.0.0.1:${(standInServer.address() as AddressInfo).port}/sandbox/2.0/?${query.toString()}` };
  }

  /** Starts a call and resolves with the request once the headers and the first part of the body are in. */
  function firstPart(url: string): Promise<{ req: http.ClientRequest; status: number; part: string }> {
    return new Promise((resolve, reject) => {
      const req = http.get(url, (res) => {
        res.once('data', (chunk: Buffer) => resolve({ req, status: res.statusCode ?? 0, part: chunk.toString('utf8') }));
      });
      req.on('error', reject);
    });
  }

  /** The stalled request's log line is written once its socket closes; wait for it, so no line comes after the file ends. */
  async function loggedOnce(logs: LogCapture): Promise<void> {
    for (let i = 0; i < 100 && logs.lines.length === 0; i += 1) await sleep(10);
    expect(logs.lines.length).toBeGreaterThan(0);
  }

  const connections = (server: http.Server) => new Promise<number>((resolve, reject) => server.getConnections((error, count) => (error ? reject(error) : resolve(count))));

  it('sends headers and part of the answer, then stalls; closes its side when the client gives up', async () => {
    const { server: standInServer, url, logs } = await standIn();
    const { req, status, part } = await firstPart(url);
    expect(status).toBe(200);
    expect(part.startsWith('{"user":')).toBe(true);
    expect(() => JSON.parse(part) as unknown).toThrow();
    expect(await connections(standInServer)).toBe(1);
    req.destroy();
    for (let i = 0; i < 50 && (await connections(standInServer)) > 0; i += 1) await sleep(20);
    expect(await connections(standInServer)).toBe(0);
    await loggedOnce(logs);
    // Its request log line says it was cut off, not that a 200 went out whole.
    expect(logs.lines.map((line) => JSON.parse(line) as { aborted?: boolean; msg: string })).toEqual([expect.objectContaining({ aborted: true, msg: 'GET 200 (aborted)' })]);
    await new Promise<void>((resolve) => standInServer.close(() => resolve()));
  });

  it('lets the server close while a reply is stalled', async () => {
    const { server: standInServer, url, logs } = await standIn();
    const { req } = await firstPart(url);
    const closed = new Promise<void>((resolve) => standInServer.close(() => resolve()));
    standInServer.closeAllConnections();
    await closed;
    req.destroy();
    await loggedOnce(logs);
  });
});
