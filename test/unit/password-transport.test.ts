import { pageRefusalReason, passwordRefusalReason } from '../../src/lastfm/password-transport';

describe('passwordRefusalReason', () => {
  it.each(['https://ws.audioscrobbler.com/2.0/', 'http://127.0.0.1:3000/2.0/', 'http://127.8.9.10/2.0/', 'http://localhost:8080/2.0/', 'http://[::1]:3000/2.0/'])(
    'allows %s',
    (url) => {
      expect(passwordRefusalReason(url, false)).toBeUndefined();
    },
  );

  it.each(['http://ws.audioscrobbler.com/2.0/', 'http://128.0.0.1/2.0/', 'http://127.example.com/2.0/', 'http://localhost.evil.example/2.0/', 'http://10.0.0.5/2.0/', 'http://[::2]/2.0/'])(
    'refuses %s and says it is not https',
    (url) => {
      expect(passwordRefusalReason(url, false)).toContain('not https');
    },
  );

  it('allows the built-in sandbox whatever its address', () => {
    expect(passwordRefusalReason('http://192.168.1.20:3000/sandbox/2.0/', true)).toBeUndefined();
  });
});

describe('pageRefusalReason', () => {
  it('allows https and this machine, and refuses plain http elsewhere naming PUBLIC_URL', () => {
    expect(pageRefusalReason(new URL('https://example.org/'))).toBeUndefined();
    expect(pageRefusalReason(new URL('http://localhost:3000/'))).toBeUndefined();
    expect(pageRefusalReason(new URL('http://example.org/'))).toContain('PUBLIC_URL');
  });
});
