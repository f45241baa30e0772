import { loadConfig } from '../../src/config';
import { ConfigError } from '../../src/errors';

describe('LASTFM_TIMEOUT_MS', () => {
  it('defaults to 10 seconds', () => {
    expect(loadConfig({}).lastfm.timeoutMs).toBe(10_000);
  });

  it('takes a whole number of milliseconds from 100 to 120000, in sandbox mode and with keys', () => {
    expect(loadConfig({ LASTFM_TIMEOUT_MS: '100' }).lastfm.timeoutMs).toBe(100);
    expect(loadConfig({ LASTFM_API_KEY: 'k', LASTFM_SHARED_SECRET: 's', LASTFM_TIMEOUT_MS: '120000' }).lastfm.timeoutMs).toBe(120_000);
  });

  it.each(['99', '120001', '2.5', '10s', '-1'])('refuses %s with one line naming the variable', (value) => {
    let problems: readonly string[] = [];
    try {
      loadConfig({ LASTFM_TIMEOUT_MS: value });
    } catch (error) {
      if (error instanceof ConfigError) problems = error.problems;
    }
    expect(problems).toEqual([`LASTFM_TIMEOUT_MS must be a whole number of milliseconds from 100 to 120000 (got "${value}")`]);
  });
});

describe('OUTBOX_RETRY_MAX_MS', () => {
  it('defaults to a minute and takes 100 to 3600000 ms', () => {
    expect(loadConfig({}).lastfm.outboxRetryMaxMs).toBe(60_000);
    expect(loadConfig({ OUTBOX_RETRY_MAX_MS: '3600000' }).lastfm.outboxRetryMaxMs).toBe(3_600_000);
  });

  it.each(['99', '3600001', '1m'])('refuses %s with one line naming the variable', (value) => {
    expect(() => loadConfig({ OUTBOX_RETRY_MAX_MS: value })).toThrow(`OUTBOX_RETRY_MAX_MS must be a whole number of milliseconds from 100 to 3600000 (got "${value}")`);
  });
});
