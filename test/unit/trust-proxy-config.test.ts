import { loadConfig } from '../../src/config';
import { problemsOf } from '../helpers/config-problems';

describe('TRUST_PROXY', () => {
  it('is off when unset or "false"', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxy).toBe(false);
  });

  it('accepts true, a hop count, and a comma list of addresses, subnets and named ranges', () => {
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8,172.17.0.1, fd00::/8, ::1' }).trustProxy).toEqual(['loopback', '10.0.0.0/8', '172.17.0.1', 'fd00::/8', '::1']);
  });

  it.each([
    ['yes', '"yes"'],
    ['10.0.0.0/33', '"10.0.0.0/33"'],
    ['loopback,,10.0.0.1', '""'],
    ['10.0.0.1/8/1', '"10.0.0.1/8/1"'],
    ['proxy.example.com', '"proxy.example.com"'],
    ['-1', '"-1"'],
    ['1000', '"1000"'],
  ])('refuses %s with one line that names the variable and the bad entry', (raw, shown) => {
    const problems = problemsOf({ TRUST_PROXY: raw });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^TRUST_PROXY must be true, false, a hop count/);
    expect(problems[0]).toContain(`not understood: ${shown}`);
  });
});

describe('SETUP_PAGE', () => {
  const production = { NODE_ENV: 'production', LASTFM_API_KEY: 'k', LASTFM_SHARED_SECRET: 's', SESSION_SECRET: 'x'.repeat(32) };

  it('is on outside production and off in production unless SETUP_PAGE=on', () => {
    expect(loadConfig({}).setupPage).toBe(true);
    expect(loadConfig({ SETUP_PAGE: 'off' }).setupPage).toBe(false);
    expect(loadConfig(production).setupPage).toBe(false);
    expect(loadConfig({ ...production, SETUP_PAGE: 'on' }).setupPage).toBe(true);
  });

  it('refuses anything but on or off', () => {
    expect(problemsOf({ SETUP_PAGE: 'yes' })).toEqual(['SETUP_PAGE must be on or off (got "yes")']);
  });
});
