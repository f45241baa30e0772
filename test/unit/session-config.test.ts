import path from 'node:path';
import { loadConfig } from '../../src/config';
import { problemsOf } from '../helpers/config-problems';

const SECRET = 'a-session-secret-0123456789abcdefghijkl';
const OLDER = 'an-older-session-secret-0123456789abcdef';

describe('session configuration', () => {
  it('defaults to SQLite under ./data with a 30-day rolling lifetime', () => {
    const { session } = loadConfig({});
    expect(session.store).toBe('sqlite');
    expect(session.dataDir).toBe(path.resolve('data'));
    expect(session.ttlMs).toBe(30 * 24 * 60 * 60 * 1000);
    expect(session.redisUrl).toBeUndefined();
  });

  it('reads several comma-separated secrets, newest first, and encrypts with them unless ENCRYPTION_KEY is set', () => {
    const config = loadConfig({ SESSION_SECRET: `${SECRET}, ${OLDER}` });
    expect(config.session.secrets).toEqual([SECRET, OLDER]);
    expect(config.session.encryptionKeys).toEqual([SECRET, OLDER]);
    const separate = loadConfig({ SESSION_SECRET: SECRET, ENCRYPTION_KEY: OLDER });
    expect(separate.session.encryptionKeys).toEqual([OLDER]);
  });

  it('refuses a short secret anywhere in a list, and a short ENCRYPTION_KEY', () => {
    expect(problemsOf({ SESSION_SECRET: `${SECRET},short` })).toEqual([expect.stringMatching(/^SESSION_SECRET is too short/)]);
    expect(problemsOf({ ENCRYPTION_KEY: 'short' })).toEqual([expect.stringMatching(/^ENCRYPTION_KEY is too short/)]);
  });

  it('refuses the memory store in production, with one line', () => {
    const problems = problemsOf({ NODE_ENV: 'production', LASTFM_API_KEY: 'k', LASTFM_SHARED_SECRET: 's', SESSION_SECRET: SECRET, SESSION_STORE: 'memory' });
    expect(problems).toEqual([expect.stringMatching(/^SESSION_STORE=memory is for tests and demos only/)]);
    expect(loadConfig({ SESSION_STORE: 'memory' }).session.store).toBe('memory');
  });

  it('needs a redis:// REDIS_URL for the Redis store, without echoing it', () => {
    expect(problemsOf({ SESSION_STORE: 'redis' })).toEqual([expect.stringMatching(/^REDIS_URL is missing/)]);
    const bad = problemsOf({ SESSION_STORE: 'redis', REDIS_URL: 'http://user:pw-secret@host' });
    expect(bad).toEqual([expect.stringMatching(/^REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL/)]);
    expect(bad.join()).not.toContain('pw-secret');
    expect(loadConfig({ SESSION_STORE: 'redis', REDIS_URL: 'redis://127.0.0.1:6380' }).session.redisUrl).toBe('redis://127.0.0.1:6380');
  });

  it.each([
    ['12h', 12 * 3_600_000],
    ['90m', 90 * 60_000],
    ['7d', 7 * 86_400_000],
    ['3600', 3_600_000],
    ['3600s', 3_600_000],
  ])('reads SESSION_TTL=%s', (raw, ms) => {
    expect(loadConfig({ SESSION_TTL: raw }).session.ttlMs).toBe(ms);
  });

  it.each(['0', '30', 'forever', '-1d', '401d', '1.5h'])('refuses SESSION_TTL=%s', (raw) => {
    expect(problemsOf({ SESSION_TTL: raw })).toEqual([expect.stringMatching(/^SESSION_TTL must be a duration/)]);
  });

});
