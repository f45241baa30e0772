import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { ServerProcess } from '../helpers/server-process';

const ROOT = path.join(__dirname, '..', '..');
const SECRET = 'server-startup-test-secret-0123456789abcdef';

let workDir: string;
const running: ServerProcess[] = [];

beforeEach(() => {
  workDir = mkdtempSync(path.join(os.tmpdir(), 'lastfm-startup-'));
});

afterEach(() => {
  for (const server of running.splice(0)) server.kill();
  rmSync(workDir, { recursive: true, force: true });
});

async function start(env: Record<string, string>): Promise<ServerProcess> {
  const server = await ServerProcess.start(env, workDir);
  running.push(server);
  return server;
}

/** The whole output is one `Cannot start:` line (no stack trace) and the exit code is 1. */
async function refusal(env: Record<string, string>): Promise<string> {
  const { code, output } = await ServerProcess.failing(env, workDir);
  expect({ code, lines: output.trim().split('\n').length }).toEqual({ code: 1, lines: 1 });
  expect(output).toMatch(/^Cannot start: /);
  return output.trim();
}

describe('starting the server', () => {
  it('names the port that is taken and how to choose another, instead of a TypeError', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const line = await refusal({ PORT: String(port), SESSION_STORE: 'memory' });
      expect(line).toContain(`port ${port} on 127.0.0.1 is already in use (PORT)`);
      expect(line).toMatch(/choose another port, e\.g\. PORT=\d+/);
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  }, 30_000);

  it('refuses a PUBLIC_URL without its scheme in one line naming PUBLIC_URL', async () => {
    const line = await refusal({ PUBLIC_URL: 'localhost:3101', SESSION_STORE: 'memory' });
    expect(line).toBe('Cannot start: PUBLIC_URL must start with http:// or https:// (got "localhost:3101"; did you mean http://localhost:3101?)');
  }, 30_000);

  it('refuses a DATA_DIR that is a file in one line naming DATA_DIR, for the development secret and for the database', async () => {
    const file = path.join(workDir, 'a-file');
    writeFileSync(file, 'not a directory');
    const forSecret = await refusal({ DATA_DIR: file });
    expect(forSecret).toBe(`Cannot start: DATA_DIR must be a directory this app can write (${file}: a file is in the way where a directory should be)`);
    const forDatabase = await refusal({ DATA_DIR: path.join(file, 'below'), SESSION_SECRET: SECRET });
    expect(forDatabase).toBe(`Cannot start: cannot open the session database ${path.join(file, 'below', 'sessions.sqlite')} (DATA_DIR): a file is in the way where a directory should be`);
  }, 30_000);

  it('refuses a DATA_DIR it may not write in one line naming DATA_DIR', async () => {
    const locked = path.join(workDir, 'locked');
    mkdirSync(locked, { mode: 0o555 });
    chmodSync(locked, 0o555);
    // Root writes anywhere, so as root the server runs as nobody; the work directory must let it in.
    chmodSync(workDir, 0o755);
    const nobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : undefined;
    const { code, output } = await ServerProcess.failing({ DATA_DIR: path.join(locked, 'data') }, workDir, nobody);
    expect(code).toBe(1);
    expect(output.trim()).toBe(`Cannot start: DATA_DIR must be a directory this app can write (${path.join(locked, 'data')}: permission denied)`);
  }, 30_000);

  it('refuses a NODE_ENV it does not know instead of running in development mode, and writes nothing', async () => {
    const line = await refusal({ NODE_ENV: 'Production', DATA_DIR: path.join(workDir, 'data') });
    expect(line).toBe('Cannot start: NODE_ENV must be development, test or production, in lower case (got "Production")');
    expect(existsSync(path.join(workDir, 'data'))).toBe(false);
  }, 30_000);

  it('refuses an unknown LOG_LEVEL in one line instead of pino\'s stack trace', async () => {
    const line = await refusal({ LOG_LEVEL: 'verbose', SESSION_STORE: 'memory' });
    expect(line).toMatch(/^Cannot start: LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent \(got "verbose"\)$/);
  }, 30_000);

  it('starts in sandbox mode from .env.example copied to .env unchanged', async () => {
    copyFileSync(path.join(ROOT, '.env.example'), path.join(workDir, '.env'));
    const server = await start({});
    expect(server.output).toContain('Sandbox: not connected to Last.fm');
    expect(server.output).toContain('"sessionStore":"sqlite"');
    await request(server.baseUrl).get('/sandbox/').expect(200);
  }, 30_000);

  it('refuses a .env line without "=" in one line naming its line number, not its text', async () => {
    // Node's loader would skip line 3 and so leave SESSION_SECRET unset without a word.
    writeFileSync(path.join(workDir, '.env'), '# settings\nSESSION_STORE=memory\nSESSION_SECRET ' + SECRET + '\nLOG_LEVEL=info\n');
    const line = await refusal({});
    expect(line).toBe('Cannot start: .env line 3 is not NAME=value (write NAME=value, or start the line with # for a comment)');
    expect(line).not.toContain(SECRET);
  }, 30_000);

  it('reads a .env whose quoted value spans lines', async () => {
    writeFileSync(path.join(workDir, '.env'), 'SESSION_STORE=memory\nNOTE="first line\nsecond line"\nSESSION_SECRET=' + SECRET + '\n');
    const server = await start({});
    expect(server.output).toContain('"sessionStore":"memory"');
  }, 30_000);

  it('warns in one line naming PORT and PUBLIC_URL when they disagree and no proxy is configured', async () => {
    const server = await start({ SESSION_STORE: 'memory', SESSION_SECRET: SECRET, PUBLIC_URL: 'http://127.0.0.1:1/' });
    await server.waitFor(/PORT is \d+ but PUBLIC_URL[^\n]*\n/, 5_000);
    const warnings = server.output.split('\n').filter((line) => line.includes('PORT is'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/"level":40/);
    expect(warnings[0]).toMatch(/PORT is \d+ but PUBLIC_URL \(http:\/\/127\.0\.0\.1:1\) is on port 1, and TRUST_PROXY is not set/);
  }, 30_000);

  it('stops promptly on SIGTERM when whatever read its output has gone away (npm start | head)', async () => {
    const server = await start({ SESSION_STORE: 'memory', SESSION_SECRET: SECRET });
    await server.waitFor(/Setup check: [^\n]*\n/, 5_000);
    // The reader closes the pipe: every later log line fails to write.
    server.child.stdout?.destroy();
    server.child.kill('SIGTERM');
    expect(await server.exit(5_000)).toBe(0);
  }, 30_000);
});
