import { loadConfig } from '../../src/config';
import { dotEnvProblem } from '../../src/config/dotenv';
import { configWarnings } from '../../src/config/warnings';

const warningsFor = (env: Record<string, string>) => configWarnings(loadConfig({ SESSION_STORE: 'memory', ...env }));

describe('start-up warnings', () => {
  it('names PORT and PUBLIC_URL when they point at different ports and no proxy is trusted', () => {
    expect(warningsFor({ PORT: '3001', PUBLIC_URL: 'http://localhost:3000/' })).toEqual([
      'PORT is 3001 but PUBLIC_URL (http://localhost:3000) is on port 3000, and TRUST_PROXY is not set: Last.fm sends people back to port 3000. Set PUBLIC_URL to where people reach the app, or TRUST_PROXY when a proxy forwards to this port',
    ]);
  });

  it('counts the scheme\'s default port', () => {
    expect(warningsFor({ PORT: '3000', PUBLIC_URL: 'http://example.com/' })[0]).toMatch(/^PORT is 3000 but PUBLIC_URL \(http:\/\/example\.com\) is on port 80,/);
    expect(warningsFor({ PORT: '443', PUBLIC_URL: 'http://example.com:443/' })).toEqual([]);
  });

  it('says nothing when PUBLIC_URL is left to follow PORT, or when a proxy is configured', () => {
    expect(warningsFor({ PORT: '3001' })).toEqual([]);
    expect(warningsFor({ PORT: '3001', PUBLIC_URL: 'https://example.com/', TRUST_PROXY: 'loopback' })).toEqual([]);
  });

  it('still warns about https without TRUST_PROXY', () => {
    expect(warningsFor({ PORT: '443', PUBLIC_URL: 'https://example.com/' })).toEqual([expect.stringMatching(/^PUBLIC_URL is https but TRUST_PROXY is not set/)]);
  });
});

describe('.env lines', () => {
  it('accepts names with values, empty values, comments, blank lines, export and quoted values over several lines', () => {
    expect(dotEnvProblem('# comment\n\nA=1\nB=\nexport C = "x y"\r\nD="one\ntwo"\nE=3\n')).toBeUndefined();
  });

  it('names the first line without "=" by its number', () => {
    expect(dotEnvProblem('A=1\n# ok\nSESSION_SECRET abc\nB\n')).toBe('.env line 3 is not NAME=value (write NAME=value, or start the line with # for a comment)');
    expect(dotEnvProblem('=value\n')).toMatch(/^\.env line 1 /);
  });

  it('checks the lines after a quoted value that spans lines', () => {
    expect(dotEnvProblem("A='one\ntwo'\noops\n")).toMatch(/^\.env line 3 /);
  });
});
