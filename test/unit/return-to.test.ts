import { safeReturnTo } from 'lastfm-sign-in/express';
import { optionalString } from '../../src/routes/input';
import { InputError } from '../../src/errors';

describe('safeReturnTo', () => {
  it.each([
    ['/', '/'],
    ['/desktop', '/desktop'],
    ['/a/b?x=1', '/a/b?x=1'],
    ['/a/../b', '/b'],
  ])('keeps the local path %s', (input, expected) => {
    expect(safeReturnTo(input)).toBe(expected);
  });

  it.each([
    '//evil.example/',
    '/\\evil.example/',
    'https://evil.example/',
    'http:evil.example',
    'evil.example',
    '/\tevil',
    '\\\\evil.example',
    'javascript:alert(1)',
    '',
    // Each of these normalises to a protocol-relative `//evil.example…`.
    '/.//evil.example/x',
    '/%2e//evil.example',
    '/%2e%2e//evil.example',
    '/a/..//evil.example',
  ])('sends %j back to / instead', (input) => {
    expect(safeReturnTo(input)).toBe('/');
  });

  it.each([
    ['/%0d%0aSet-Cookie:x', '/%0d%0aSet-Cookie:x'],
    ['/%2F%2Fevil.example', '/%2F%2Fevil.example'],
    ['/a/..%2f/evil', '/a/..%2f/evil'],
  ])('keeps the odd but local path %j as %j', (input, expected) => {
    expect(safeReturnTo(input)).toBe(expected);
    expect(new URL(expected, 'http://app.test').origin).toBe('http://app.test');
  });

  it('refuses non-strings and oversized values', () => {
    expect(safeReturnTo(['/a', '/b'])).toBe('/');
    expect(safeReturnTo(`/${'a'.repeat(600)}`)).toBe('/');
    expect(safeReturnTo(undefined)).toBe('/');
  });
});

describe('optionalString', () => {
  it('passes one string through and refuses arrays, long values and control characters with an InputError (a 400 at the edge)', () => {
    expect(optionalString('abc', 'f')).toBe('abc');
    expect(optionalString(undefined, 'f')).toBeUndefined();
    for (const bad of [['a', 'b'], 'x'.repeat(300), 'a\u0000b', { a: 1 }]) {
      const call = () => optionalString(bad, 'field');
      expect(call).toThrow(InputError);
      expect(call).toThrow(/"field"/);
    }
  });
});
