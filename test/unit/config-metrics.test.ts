import { loadConfig } from '../../src/config';
import { problemsOf } from '../helpers/config-problems';

describe('METRICS and METRICS_TOKEN', () => {
  it('serve no /metrics unless METRICS=on', () => {
    expect(loadConfig({}).metrics).toEqual({ enabled: false, token: undefined });
    expect(loadConfig({ METRICS: 'off' }).metrics.enabled).toBe(false);
    expect(loadConfig({ METRICS: 'on', METRICS_TOKEN: 'a-scrape-token-0123456789' }).metrics).toEqual({ enabled: true, token: 'a-scrape-token-0123456789' });
  });

  it('refuse a METRICS value other than on or off in one line naming it', () => {
    expect(problemsOf({ METRICS: 'yes' })).toEqual(['METRICS must be on or off (got "yes")']);
  });

  it('refuse a short or spaced METRICS_TOKEN, and one set while METRICS is off', () => {
    expect(problemsOf({ METRICS: 'on', METRICS_TOKEN: 'short' })).toEqual(['METRICS_TOKEN is too short (use at least 16 random characters, no spaces, e.g. `openssl rand -hex 24`)']);
    expect(problemsOf({ METRICS: 'on', METRICS_TOKEN: 'sixteen chars and spaces' })).toHaveLength(1);
    expect(problemsOf({ METRICS_TOKEN: 'a-scrape-token-0123456789' })).toEqual(['METRICS_TOKEN is set but METRICS is not on (set METRICS=on to serve /metrics, or remove METRICS_TOKEN)']);
  });
});
