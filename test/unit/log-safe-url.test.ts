import { maskUrl } from '../../src/log-safe-url';

describe('maskUrl', () => {
  it('leaves URLs without a query alone', () => {
    expect(maskUrl('/auth/login')).toBe('/auth/login');
  });

  it('masks token, state, cb, sk, api_sig and password values but keeps their names and other parameters', () => {
    expect(maskUrl('/auth/callback?state=abc&token=tok123')).toBe('/auth/callback?state=[redacted]&token=[redacted]');
    expect(maskUrl('/x?returnTo=%2Fhome&sk=s3cr3t&api_sig=ffff&password=pw&cb=http%3A%2F%2Fa%2F%3Fstate%3Dzz')).toBe(
      '/x?returnTo=%2Fhome&sk=[redacted]&api_sig=[redacted]&password=[redacted]&cb=[redacted]',
    );
  });

  it('cannot be dodged by case, percent-encoding, brackets or repetition', () => {
    const masked = maskUrl('/a?Token=one&%74oken=two&token[]=three&token=four&token=five');
    for (const secret of ['one', 'two', 'three', 'four', 'five']) expect(masked).not.toContain(secret);
  });

  it('masks a valueless or malformed parameter name safely', () => {
    expect(maskUrl('/a?token&%E0%A4%A=1')).toBe('/a?token=[redacted]&%E0%A4%A=1');
  });
});
