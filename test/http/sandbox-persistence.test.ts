import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { createClient } from 'redis';
import request from 'supertest';
import { DEMO_ACCOUNTS, itemKey } from 'lastfm-sign-in/testing';
import { csrfFrom, sessionCookie } from '../helpers/app';
import { TestRedis } from '../helpers/redis-server';
import { ServerProcess } from '../helpers/server-process';

/**
 * The sandbox keeps its state where the sessions are: real app processes in sandbox mode,
 * restarted on one DATA_DIR, or side by side on one Redis.
 */
jest.setTimeout(120_000);

const COOKIE = 'lastfm_signin.sid';
const SECRET = 'sandbox-persistence-session-secret-0123456789';
const [ADA, BO] = DEMO_ACCOUNTS as [(typeof DEMO_ACCOUNTS)[number], (typeof DEMO_ACCOUNTS)[number]];

let workDir: string;
const running: ServerProcess[] = [];

beforeEach(() => {
  workDir = mkdtempSync(path.join(os.tmpdir(), 'lastfm-sandbox-kept-'));
});

afterEach(async () => {
  for (const server of running.splice(0)) {
    server.kill();
    await server.exit(10_000);
  }
  rmSync(workDir, { recursive: true, force: true });
});

async function start(env: Record<string, string>): Promise<ServerProcess> {
  // No Last.fm keys: sandbox mode.
  const server = await ServerProcess.start({ NODE_ENV: 'test', SESSION_SECRET: SECRET, ...env }, workDir);
  running.push(server);
  return server;
}

async function stop(server: ServerProcess): Promise<void> {
  running.splice(running.indexOf(server), 1);
  server.kill();
  await server.exit(10_000);
}

/** One browser: its session cookie, carried to whichever instance it asks. */
class Browser {
  cookie = '';

  private keep(res: request.Response): request.Response {
    const id = sessionCookie(res, COOKIE);
    if (id !== undefined) this.cookie = `${COOKIE}=${id}`;
    return res;
  }

  async get(server: ServerProcess, url: string): Promise<request.Response> {
    return this.keep(await request(server.baseUrl).get(url).set('Cookie', this.cookie));
  }

  async post(server: ServerProcess, url: string, form: Record<string, string>): Promise<request.Response> {
    return this.keep(await request(server.baseUrl).post(url).type('form').set('Cookie', this.cookie).send(form));
  }

  /** Signs in with a demo account's password, on the sandbox of `server`. */
  async signIn(server: ServerProcess, account: { name: string; password: string }): Promise<this> {
    const form = await this.get(server, '/auth/mobile');
    const res = await this.post(server, '/auth/mobile', { _csrf: csrfFrom(form.text), username: account.name, password: account.password });
    expect(res.status).toBe(303);
    return this;
  }

  async love(server: ServerProcess, artist: string, track: string): Promise<request.Response> {
    const home = await this.get(server, '/');
    expect(home.status).toBe(200);
    return this.post(server, '/track/love', { _csrf: csrfFrom(home.text), artist, track });
  }
}

/** The loves the sandbox holds for `user`, read from its record in the store. */
function lovesIn(record: string | null | undefined): string[] {
  return record === null || record === undefined ? [] : (JSON.parse(record) as { loves: string[] }).loves;
}

describe('sandbox mode with SQLite sessions', () => {
  const env = (): Record<string, string> => ({ DATA_DIR: path.join(workDir, 'data') });
  const sqliteLoves = (user: string): string[] => {
    const db = new Database(path.join(workDir, 'data', 'sessions.sqlite'), { readonly: true });
    try {
      return lovesIn(db.prepare<[string], { value: string }>('SELECT value FROM sandbox_records WHERE name = ?').get(`library:${user}`)?.value);
    } finally {
      db.close();
    }
  };

  it('after a restart on the same DATA_DIR, a person signed in before writes without signing in again', async () => {
    const first = await start(env());
    const browser = await new Browser().signIn(first, ADA);
    expect((await browser.love(first, 'Björk', 'Jóga')).status).toBe(303);
    await stop(first);

    const second = await start(env());
    const res = await browser.love(second, 'Sigur Rós', 'Hoppípolla');
    expect(res.status).toBe(303);
    expect(res.text).not.toContain('revoked');
    expect(sqliteLoves(ADA.name).sort()).toEqual([itemKey('Björk', 'Jóga'), itemKey('Sigur Rós', 'Hoppípolla')]);
  });

  it('a key the sandbox no longer holds still reads as revoked after a restart, while the others keep working', async () => {
    const first = await start(env());
    const ada = await new Browser().signIn(first, ADA);
    const bo = await new Browser().signIn(first, BO);
    await stop(first);
    // What Last.fm does when a person revokes the app's access: the key is gone from the sandbox.
    const db = new Database(path.join(workDir, 'data', 'sessions.sqlite'));
    const forgotten = db.prepare("DELETE FROM sandbox_records WHERE name LIKE 'key:%' AND value = ?").run(ADA.name).changes;
    db.close();
    expect(forgotten).toBe(1);

    const second = await start(env());
    const revoked = await ada.love(second, 'Múm', 'Green Grass of Tunnel');
    expect(revoked.status).toBe(401);
    expect(revoked.text).toContain('Last.fm access was revoked');
    expect((await bo.love(second, 'Múm', 'Green Grass of Tunnel')).status).toBe(303);
    expect(sqliteLoves(BO.name)).toEqual([itemKey('Múm', 'Green Grass of Tunnel')]);
    expect(sqliteLoves(ADA.name)).toEqual([]);
  });
});

describe('sandbox mode with several instances on one Redis', () => {
  let redis: TestRedis;

  beforeAll(async () => {
    redis = await new TestRedis().start();
  });

  afterAll(async () => {
    await redis.stop();
  });

  it('a person signed in on one instance loves through another, and the love is in the one sandbox', async () => {
    const env = { SESSION_STORE: 'redis', REDIS_URL: redis.url };
    const one = await start(env);
    const two = await start(env);
    const browser = await new Browser().signIn(one, BO);
    const res = await browser.love(two, 'Sigur Rós', 'Hoppípolla');
    expect(res.status).toBe(303);
    expect(res.text).not.toContain('revoked');

    const client = createClient({ url: redis.url });
    await client.connect();
    try {
      expect(lovesIn(await client.hGet('lastfm-signin:sandbox:library:sandbox-bo', 'value'))).toEqual([itemKey('Sigur Rós', 'Hoppípolla')]);
    } finally {
      await client.close();
    }
    // Still signed in on both.
    expect((await browser.love(one, 'Sigur Rós', 'Glósóli')).status).toBe(303);
  });
});
