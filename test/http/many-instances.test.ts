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
 * Three real app processes on one Redis, sharing one strict Last.fm stand-in (5 arrivals a
 * second, error 29 beyond): they must behave as one app.
 */
jest.setTimeout(120_000);

const COOKIE = 'lastfm_signin.sid';
const [ADA, BO] = DEMO_ACCOUNTS as [(typeof DEMO_ACCOUNTS)[number], (typeof DEMO_ACCOUNTS)[number]];

let redis: TestRedis;
let standIn: StrictStandIn;
let workDir: string;
const instances: ServerProcess[] = [];

beforeAll(async () => {
  redis = await new TestRedis().start();
  standIn = await new StrictStandIn(5).start();
  workDir = mkdtempSync(path.join(os.tmpdir(), 'lastfm-many-'));
  const env = { ...standIn.env, NODE_ENV: 'test', SESSION_STORE: 'redis', REDIS_URL: redis.url, SESSION_SECRET: 'many-instances-session-secret-0123456789', TRUST_PROXY: 'loopback' };
  // One after another: the first fills the transpile cache the others then read.
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

/** One browser: a cookie carried from instance to instance. */
class Browser {
  /** Every cookie, as a browser keeps them: the session's, and a visitor's form token. */
  private readonly cookies = new Map<string, string>();

  get cookie(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  keep(res: request.Response): request.Response {
    for (const name of [COOKIE, `${COOKIE}.form`]) {
      const value = sessionCookie(res, name);
      if (value !== undefined) this.cookies.set(name, value);
    }
    return res;
  }

  async get(i: number, url: string): Promise<request.Response> {
    return this.keep(await request(at(i)).get(url).set('Cookie', this.cookie));
  }

  async post(i: number, url: string, form: Record<string, string>): Promise<request.Response> {
    return this.keep(await request(at(i)).post(url).type('form').set('Cookie', this.cookie).send(form));
  }
}

async function signInWithPassword(i: number, account: { name: string; password: string }): Promise<Browser> {
  const browser = new Browser();
  const form = await browser.get(i, '/auth/mobile');
  const res = await browser.post(i, '/auth/mobile', { _csrf: csrfFrom(form.text), username: account.name, password: account.password });
  expect(res.status).toBe(303);
  return browser;
}

describe('three instances on one Redis', () => {
  it('keep a burst of writes from one browser, spread over all three, within 5 arrivals a second: no error 29', async () => {
    const browser = await signInWithPassword(0, ADA);
    const csrf = csrfFrom((await browser.get(1, '/')).text);
    const before = standIn.state.calls.of('track.love');
    const statuses: number[] = [];
    const writes = Array.from({ length: 30 }, (_, n) => n);
    // Nine at a time, three per instance: a browser's places in each instance's line.
    await Promise.all(
      Array.from({ length: 9 }, async (_, worker) => {
        for (let n = worker; n < writes.length; n += 9) {
          const res = await request(at(worker)).post('/track/love').type('form').set('Cookie', browser.cookie).send({ _csrf: csrf, artist: 'Burst', track: `Track ${n}` });
          statuses.push(res.status);
        }
      }),
    );
    expect(statuses).toEqual(Array(30).fill(303));
    expect(standIn.state.calls.of('track.love') - before).toBe(30);
    expect(standIn.refusedWith29).toBe(0);
    expect(standIn.busiestSecond()).toBeLessThanOrEqual(5);
  });

  it('show a scrobble made on one instance on the next home page of another', async () => {
    const browser = await signInWithPassword(1, ADA);
    const home = await browser.get(2, '/');
    expect(home.text).not.toContain('Seen Everywhere');
    const csrf = csrfFrom(home.text);
    expect((await browser.post(0, '/track/scrobble', { _csrf: csrf, artist: 'Many Instances', track: 'Seen Everywhere' })).status).toBe(303);
    const after = await browser.get(2, '/');
    expect(after.text).toContain('Seen Everywhere');
    expect(standIn.refusedWith29).toBe(0);
  });

  it('count password attempts from one address across instances, not per instance', async () => {
    const before = standIn.state.calls.of('auth.getMobileSession');
    const statuses: number[] = [];
    // An address of its own (through the trusted loopback proxy), so earlier sign-ins do not count.
    const address = '203.0.113.77';
    for (let i = 0; i < 7; i += 1) {
      const browser = new Browser();
      const form = browser.keep(await request(at(i)).get('/auth/mobile').set('X-Forwarded-For', address));
      const res = await request(at(i)).post('/auth/mobile').type('form').set('X-Forwarded-For', address).set('Cookie', browser.cookie).send({ _csrf: csrfFrom(form.text), username: BO.name, password: 'not-the-password' });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429]);
    expect(standIn.state.calls.of('auth.getMobileSession') - before).toBe(5);
  });

  it('let a double click on "Get session" that lands on two instances sign in once, with one exchange', async () => {
    const browser = new Browser();
    const page = await browser.get(0, '/desktop');
    expect((await browser.post(0, '/auth/desktop/token', { _csrf: csrfFrom(page.text) })).status).toBe(303);
    const list = await browser.get(1, '/desktop');
    const handle = /name="id" value="([^"]+)"/.exec(list.text)?.[1] ?? '';
    const authorize = await browser.get(2, `/auth/desktop/authorize/${handle}`);
    const token = new URL(authorize.headers.location as string).searchParams.get('token') ?? '';
    expect(standIn.state.approveToken(token, BO.name)).toBe(true);

    const before = standIn.state.calls.of('auth.getSession');
    const form = { _csrf: csrfFrom(list.text), id: handle };
    const clicks = await Promise.all([1, 2].map((i) => request(at(i)).post('/auth/desktop/session').type('form').set('Cookie', browser.cookie).send(form)));
    expect(clicks.map((res) => res.status)).toEqual([303, 303]);
    expect(standIn.state.calls.of('auth.getSession') - before).toBe(1);
    for (const click of clicks) {
      const home = await request(at(0)).get('/').set('Cookie', `${COOKIE}=${sessionCookie(click, COOKIE) ?? ''}`);
      expect(home.text).toContain(`Hello, ${BO.name}`);
    }
  });
});
