import { optionalString, safeReturnTo } from '../../src/routes/input';
import { HttpError } from '../../src/errors';

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
    '/%0d%0aSet-Cookie:x',
    '/\tevil',
    '\\\\evil.example',
    'javascript:alert(1)',
    '',
  ])('sends %j back to / instead', (input) => {
    const result = safeReturnTo(input);
    expect(result.startsWith('/')).toBe(true);
    expect(result.startsWith('//')).toBe(false);
    expect(new URL(result, 'http://app.test').origin).toBe('http://app.test');
  });

  it('refuses non-strings and oversized values', () => {
    expect(safeReturnTo(['/a', '/b'])).toBe('/');
    expect(safeReturnTo(`/${'a'.repeat(600)}`)).toBe('/');
    expect(safeReturnTo(undefined)).toBe('/');
  });
});

describe('optionalString', () => {
  it('passes one string through and refuses arrays, long values and control characters with a 400', () => {
    expect(optionalString('abc', 'f')).toBe('abc');
    expect(optionalString(undefined, 'f')).toBeUndefined();
    for (const bad of [['a', 'b'], 'x'.repeat(300), 'a\u0000b', { a: 1 }]) {
      const call = () => optionalString(bad, 'field');
      expect(call).toThrow(HttpError);
      expect(call).toThrow(/"field"/);
    }
  });
});
