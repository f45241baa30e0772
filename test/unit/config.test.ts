import { SANDBOX_API_KEY } from 'lastfm-sign-in/testing';
import { loadConfig } from '../../src/config';
import { ConfigError } from '../../src/errors';
import { problemsOf } from '../helpers/config-problems';

describe('loadConfig', () => {
  it('runs in sandbox mode with no keys, pointing Last.fm URLs at the built-in stand-in', () => {
    const config = loadConfig({});
    expect(config.sandbox).toBe(true);
    expect(config.port).toBe(3000);
    expect(config.publicUrl.href).toBe('http://localhost:3000/');
    expect(config.lastfm.apiKey).toBe(SANDBOX_API_KEY);
    expect(config.lastfm.apiUrl).toBe('http://127.0.0.1:3000/sandbox/2.0/');
    expect(config.lastfm.authUrl).toBe('http://localhost:3000/sandbox/api/auth/');
    expect(config.session.secretSource).toBe('generated');
    expect(config.session.secureCookie).toBe(false);
  });

  it('uses the real Last.fm endpoints when keys are given', () => {
    const config = loadConfig({ LASTFM_API_KEY: 'k', LASTFM_SHARED_SECRET: 's' });
    expect(config.sandbox).toBe(false);
    expect(config.lastfm.apiUrl).toBe('https://ws.audioscrobbler.com/2.0/');
    expect(config.lastfm.authUrl).toBe('https://www.last.fm/api/auth/');
  });

  it('derives PUBLIC_URL from PORT and keeps a sub-path with one trailing slash', () => {
    expect(loadConfig({ PORT: '8080' }).publicUrl.href).toBe('http://localhost:8080/');
    const sub = loadConfig({ PUBLIC_URL: 'https://example.com/lastfm' });
    expect(sub.publicUrl.href).toBe('https://example.com/lastfm/');
    expect(sub.basePath).toBe('/lastfm');
    expect(sub.session.secureCookie).toBe(true);
  });

  it('in production names every missing variable in one error', () => {
    const problems = problemsOf({ NODE_ENV: 'production' });
    expect(problems).toHaveLength(3);
    expect(problems.join('\n')).toMatch(/LASTFM_API_KEY is missing/);
    expect(problems.join('\n')).toMatch(/LASTFM_SHARED_SECRET is missing/);
    expect(problems.join('\n')).toMatch(/SESSION_SECRET is missing/);
  });

  it('refuses a key without a secret, and a secret without a key, in every mode', () => {
    expect(problemsOf({ LASTFM_API_KEY: 'k' })).toEqual([expect.stringMatching(/^LASTFM_SHARED_SECRET is missing/)]);
    expect(problemsOf({ LASTFM_SHARED_SECRET: 's' })).toEqual([expect.stringMatching(/^LASTFM_API_KEY is missing/)]);
  });

  it('names bad values and what they should be', () => {
    const problems = problemsOf({ PORT: 'eighty', PUBLIC_URL: 'ftp://x', SESSION_STORE: 'mongo', SESSION_SECRET: 'short' });
    expect(problems).toEqual([
      expect.stringMatching(/^PORT must be a whole number/),
      expect.stringMatching(/^PUBLIC_URL must start with http/),
      expect.stringMatching(/^SESSION_SECRET is too short/),
      expect.stringMatching(/^SESSION_STORE must be one of sqlite, redis, memory \(got "mongo"\)/),
    ]);
  });

  it('never echoes a secret in its messages', () => {
    const error = (() => {
      try {
        loadConfig({ SESSION_SECRET: 'tiny-secret-value', LASTFM_SHARED_SECRET: 'the-shared-secret' });
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(error.message).not.toContain('tiny-secret-value');
    expect(error.message).not.toContain('the-shared-secret');
  });

  it('refuses Last.fm URLs without a key instead of silently ignoring them', () => {
    expect(problemsOf({ LASTFM_API_URL: 'http://127.0.0.1:1/2.0/' })).toEqual([expect.stringMatching(/LASTFM_API_URL/)]);
  });

  it('refuses a NODE_ENV or LOG_LEVEL it does not know instead of falling back to a default', () => {
    expect(problemsOf({ NODE_ENV: 'Production' })).toEqual(['NODE_ENV must be development, test or production, in lower case (got "Production")']);
    expect(problemsOf({ NODE_ENV: 'staging' })).toEqual([expect.stringMatching(/^NODE_ENV must be development, test or production/)]);
    expect(problemsOf({ LOG_LEVEL: 'verbose' })).toEqual([expect.stringMatching(/^LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent \(got "verbose"\)/)]);
    expect(loadConfig({ LOG_LEVEL: 'debug' }).logLevel).toBe('debug');
  });

  it('refuses a PUBLIC_URL without a scheme, suggesting the likely one, instead of crashing on it', () => {
    expect(problemsOf({ PUBLIC_URL: 'localhost:3101' })).toEqual(['PUBLIC_URL must start with http:// or https:// (got "localhost:3101"; did you mean http://localhost:3101?)']);
    expect(problemsOf({ PUBLIC_URL: 'example.com:8080/lastfm', LASTFM_API_KEY: 'k', LASTFM_SHARED_SECRET: 's' })).toEqual([expect.stringMatching(/^PUBLIC_URL must start with http/)]);
  });

  it('says where the session secret came from, and asks for the development one only when all else is sound', () => {
    const asked: string[] = [];
    const developmentSecret = (dataDir: string) => {
      asked.push(dataDir);
      return 'development-secret-0123456789abcdefghijkl';
    };
    expect(loadConfig({ SESSION_SECRET: 'x'.repeat(32) }, { developmentSecret }).session.secretSource).toBe('SESSION_SECRET');
    const dev = loadConfig({ DATA_DIR: '/tmp/somewhere' }, { developmentSecret });
    expect(dev.session).toMatchObject({ secretSource: 'development-file', secrets: ['development-secret-0123456789abcdefghijkl'], encryptionKeys: ['development-secret-0123456789abcdefghijkl'] });
    expect(asked).toEqual(['/tmp/somewhere']);
    expect(problemsOf({ NODE_ENV: 'Development' })).toHaveLength(1);
    expect(() => loadConfig({ NODE_ENV: 'Development' }, { developmentSecret })).toThrow(ConfigError);
    expect(asked).toHaveLength(1);
    expect(() => loadConfig({}, { developmentSecret: () => { throw new Error('permission denied'); } })).toThrow(/DATA_DIR must be a directory this app can write \(.*: permission denied\)/);
  });
});

