import { loadConfig } from '../../src/config';
import { problemsOf } from '../helpers/config-problems';

describe('loadConfig echoing URLs in problems', () => {
  it.each([
    ['PUBLIC_URL', 'https://alice:hunter2@app.example/'],
    ['PUBLIC_URL', 'ftp://alice:hunter2@app.example/'],
    ['LASTFM_API_URL', 'https://alice:hunter2@ws.example/2.0/'],
    ['LASTFM_AUTH_URL', 'https://alice:hunter2@www.example/api/auth/'],
    ['LASTFM_API_URL', 'https://alice:hunt er2@bad host/'],
    ['LASTFM_API_URL', 'http://alice:p@ss:hunter2@[bad/'],
  ])('names %s but never echoes the credentials in %s', (name, url) => {
    const env: Record<string, string> = { LASTFM_API_KEY: 'k', LASTFM_SHARED_SECRET: 's', [name]: url };
    const problems = problemsOf(env).filter((problem) => problem.startsWith(name));
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.join('\n')).not.toMatch(/hunter2|alice|hunt er2/);
    const thrown = (() => {
      try {
        loadConfig(env);
      } catch (error) {
        return error as Error;
      }
      return undefined;
    })();
    expect(thrown?.message).not.toContain('hunter2');
  });

  it('still shows the rest of a refused URL, so the operator can see which one it is', () => {
    const [problem] = problemsOf({ LASTFM_API_KEY: 'k', LASTFM_SHARED_SECRET: 's', LASTFM_API_URL: 'https://alice:hunter2@ws.example/2.0/' });
    expect(problem).toContain('ws.example/2.0/');
  });
});
