import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { FAKE_API_KEY, FAKE_SECRET, FakeLastfm } from '../helpers/fake-lastfm';
import { freePort } from '../helpers/free-port';
import { recordFixedSecrets } from '../helpers/log-audit';
import { ServerProcess } from '../helpers/server-process';
import { signInAs } from '../helpers/sign-in';

const SECRET = 'server-process-test-secret-0123456789abcdef';

let fake: FakeLastfm;
let workDir: string;
let dataDir: string;
const running: ServerProcess[] = [];

beforeEach(async () => {
  fake = await new FakeLastfm().start();
  workDir = mkdtempSync(path.join(os.tmpdir(), 'lastfm-server-'));
  dataDir = path.join(workDir, 'data');
});

afterEach(async () => {
  for (const server of running.splice(0)) server.kill();
  await fake.stop();
  rmSync(workDir, { recursive: true, force: true });
});

function env(apiUrl: string): Record<string, string> {
  return { NODE_ENV: 'development', LASTFM_API_KEY: FAKE_API_KEY, LASTFM_SHARED_SECRET: FAKE_SECRET, LASTFM_API_URL: apiUrl, LASTFM_AUTH_URL: fake.authUrl, SESSION_SECRET: SECRET, DATA_DIR: dataDir };
}

async function start(environment: Record<string, string>): Promise<ServerProcess> {
  const server = await ServerProcess.start(environment, workDir);
  running.push(server);
  return server;
}

/** A Last.fm stand-in whose auth.getSession answers only when told to, so a request can be caught in flight. */
async function slowLastfm() {
  let arrived: () => void = () => undefined;
  const requestArrived = new Promise<void>((resolve) => (arrived = resolve));
  const server = http.createServer((req, res) => {
    req.resume();
    // The signed-in home's reads come here too; only the sign-in's call marks the moment to stop.
    if (req.url?.includes('method=auth.getSession') === true) arrived();
    setTimeout(() => {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ session: { name: 'slow', key: 'fake-sk-slow-1', subscriber: '0' } }));
    }, 1000);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    apiUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/2.0/`,
    requestArrived,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('the server process', () => {
  it('keeps people signed in across a restart on the same DATA_DIR, with no session key in clear on disk, and shuts down gracefully', async () => {
    const first = await start(env(fake.apiUrl));
    expect(first.output).toContain('"sessionStore":"sqlite"');
    const cookie = await signInAs(first.baseUrl, fake, 'rj');
    first.child.kill('SIGTERM');
    expect(await first.exit(15_000)).toBe(0);
    expect(first.output).toContain('stopped');

    for (const file of readdirSync(dataDir)) {
      const bytes = readFileSync(path.join(dataDir, file)).toString('latin1');
      expect(bytes).not.toContain('fake-sk-');
    }

    const slow = await slowLastfm();
    try {
      const second = await start({ ...env(slow.apiUrl), PORT: String(await freePort()) });
      const home = await request(second.baseUrl).get('/').set('Cookie', cookie).expect(200);
      expect(home.text).toContain('Hello, rj');

      // A sign-in whose Last.fm call is still running when SIGTERM arrives is finished, not cut off.
      const login = await request(second.baseUrl).get('/auth/login').expect(303);
      const started = String(login.headers['set-cookie']).split(';')[0] ?? '';
      const state = new URL(new URL(login.headers.location as string).searchParams.get('cb') ?? '').searchParams.get('state') ?? '';
      const inFlight = request(second.baseUrl).get(`/auth/callback?state=${state}&token=${'5'.repeat(32)}`).set('Cookie', started).then((res) => res);
      await slow.requestArrived;
      second.child.kill('SIGTERM');
      await second.waitFor(/shutting down/, 5_000);
      await expect(request(second.baseUrl).get('/healthz').timeout(2000)).rejects.toThrow();
      const finished = await inFlight;
      expect(finished.status).toBe(303);
      expect(await second.exit(15_000)).toBe(0);
    } finally {
      await slow.close();
    }
  }, 60_000);

  it('outside production keeps a generated session secret under DATA_DIR, so a restart without SESSION_SECRET keeps people signed in', async () => {
    const withoutSecret = env(fake.apiUrl);
    delete withoutSecret.SESSION_SECRET;
    const first = await start(withoutSecret);
    const secretFile = path.join(dataDir, 'dev-session-secret');
    const secret = readFileSync(secretFile, 'utf8').trim();
    recordFixedSecrets([secret]);
    expect(secret.length).toBeGreaterThanOrEqual(32);
    expect(statSync(secretFile).mode & 0o777).toBe(0o600);
    // Logged just after "Listening", so it may arrive a moment later.
    await first.waitFor(/using the development secret kept in/, 5_000);
    const cookie = await signInAs(first.baseUrl, fake, 'rj');
    first.child.kill('SIGTERM');
    expect(await first.exit(15_000)).toBe(0);

    const second = await start(withoutSecret);
    const home = await request(second.baseUrl).get('/').set('Cookie', cookie).expect(200);
    expect(home.text).toContain('Hello, rj');
    expect(readFileSync(secretFile, 'utf8').trim()).toBe(secret);
  }, 60_000);

  it('refuses to start with one line when Redis cannot be reached', async () => {
    const port = await freePort();
    const { code, output } = await ServerProcess.failing({ ...env(fake.apiUrl), SESSION_STORE: 'redis', REDIS_URL: `redis://127.0.0.1:${port}` }, workDir);
    expect(code).toBe(1);
    expect(output.trim()).toMatch(new RegExp(`^Cannot start: cannot reach Redis at 127\\.0\\.0\\.1:${port} \\(REDIS_URL\\): [^\\n]+$`));
  }, 30_000);

  it('refuses the memory store in production with the usual one-line config error', async () => {
    const { code, output } = await ServerProcess.failing({ ...env(fake.apiUrl), NODE_ENV: 'production', SESSION_STORE: 'memory' }, workDir);
    expect(code).toBe(1);
    expect(output.trim()).toMatch(/^Cannot start: SESSION_STORE=memory is for tests and demos only[^\n]*$/);
  }, 30_000);
});
