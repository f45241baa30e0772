import { carriesPasswordSafely, isLoopbackHost } from '../src';

describe('carriesPasswordSafely', () => {
  it.each(['https://ws.audioscrobbler.com/2.0/', 'http://127.0.0.1:3000/2.0/', 'http://127.8.9.10/2.0/', 'http://localhost:8080/2.0/', 'http://[::1]:3000/2.0/'])('allows %s', (url) => {
    expect(carriesPasswordSafely(new URL(url))).toBe(true);
  });

  it.each(['http://ws.audioscrobbler.com/2.0/', 'http://128.0.0.1/2.0/', 'http://127.example.com/2.0/', 'http://localhost.evil.example/2.0/', 'http://10.0.0.5/2.0/', 'http://[::2]/2.0/'])('refuses %s', (url) => {
    expect(carriesPasswordSafely(new URL(url))).toBe(false);
  });
});

describe('isLoopbackHost', () => {
  it.each([
    ['localhost', true],
    ['LOCALHOST.', true],
    ['127.0.0.1', true],
    ['127.255.255.254', true],
    ['[::1]', true],
    ['::1', true],
    ['127.0.0.1.nip.io', false],
    ['0.0.0.0', false],
    ['[::ffff:7f00:1]', false],
  ])('%s → %s', (host, expected) => {
    expect(isLoopbackHost(host)).toBe(expected);
  });
});
