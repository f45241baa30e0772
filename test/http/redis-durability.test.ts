import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createClient } from 'redis';
import request from 'supertest';
import { TestRedis } from '../helpers/redis-server';
import { ServerProcess } from '../helpers/server-process';

const SECRET = 'redis-durability-test-secret-0123456789abcdef';

let workDir: string;
let redis: TestRedis | undefined;
let server: ServerProcess | undefined;

beforeEach(() => {
  workDir = mkdtempSync(path.join(os.tmpdir(), 'lastfm-durability-'));
});

afterEach(async () => {
  // Waited for, so its output reaches the log audit before the run ends.
  server?.kill();
  await server?.exit(5_000);
  server = undefined;
  await redis?.stop();
  redis = undefined;
  rmSync(workDir, { recursive: true, force: true });
});

/** The app in sandbox mode on `url`, with the lines it logged about Redis's settings and what /setup says. */
async function startOn(url: string) {
  server = await ServerProcess.start({ SESSION_STORE: 'redis', REDIS_URL: url, SESSION_SECRET: SECRET, DATA_DIR: path.join(workDir, 'data') }, workDir);
  const lines = server.output.split('\n').filter((line) => line.includes('"redis":{'));
  const setup = await request(server.baseUrl).get('/setup').set('Accept', 'application/json').expect(200);
  const setupCodes = (setup.body as { warnings: { code: string }[] }).warnings.map((warning) => warning.code).filter((code) => code.startsWith('redis-'));
  await request(server.baseUrl).get('/readyz').expect(200);
  return { lines, setupCodes };
}

describe('Redis settings that could lose the outbox', () => {
  it('warns once each, at start and on /setup, when AOF is off and the policy evicts any key; /readyz stays up', async () => {
    redis = await new TestRedis(['--maxmemory-policy', 'allkeys-lru']).start();
    const { lines, setupCodes } = await startOn(redis.url);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\{"level":40,.*"redis":\{"check":"redis-aof-off"\}.*Redis runs with appendonly no: .*Run Redis with --appendonly yes\."\}$/);
    expect(lines[1]).toMatch(/^\{"level":40,.*"redis":\{"check":"redis-evicts"\}.*maxmemory-policy is allkeys-lru: .*queued scrobbles .*--maxmemory-policy noeviction\."\}$/);
    expect(setupCodes).toEqual(['redis-aof-off', 'redis-evicts']);
  }, 30_000);

  it('says nothing with AOF on and noeviction', async () => {
    const dir = path.join(workDir, 'redis');
    redis = await new TestRedis(['--appendonly', 'yes', '--maxmemory-policy', 'noeviction', '--dir', workDir, '--appenddirname', path.basename(dir)]).start();
    const { lines, setupCodes } = await startOn(redis.url);
    expect(lines).toEqual([]);
    expect(setupCodes).toEqual([]);
  }, 30_000);

  it('says calmly, at info level, that it cannot check when the Redis user may not run CONFIG', async () => {
    redis = await new TestRedis().start();
    const admin = createClient({ url: redis.url });
    await admin.connect();
    await admin.sendCommand(['ACL', 'SETUSER', 'app', 'on', '>app-password-for-tests', '~*', '&*', '+@all', '-config']);
    await admin.close();
    const { lines, setupCodes } = await startOn(`redis://app:app-password-for-tests@127.0.0.1:${redis.port}`);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\{"level":30,.*Redis does not let this app read its settings \(CONFIG GET\)/);
    expect(lines[0]).not.toContain('app-password-for-tests');
    expect(setupCodes).toEqual([]);
  }, 30_000);
});
