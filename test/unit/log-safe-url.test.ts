import { maskUrl, withoutUrlCredentials } from '../../src/log-safe-url';

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

describe('withoutUrlCredentials', () => {
  it.each([
    ['session store offline: redis://user:secret@10.0.0.5:6379', 'session store offline: redis://[redacted]@10.0.0.5:6379'],
    ['http://alice:p@ss:hunter2@[bad/', 'http://[redacted]@[bad/'],
    ['https://alice:hunt er2@bad host/', 'https://[redacted]@bad host/'],
    ['alice:hunter2@host/x', '[redacted]@host/x'],
    ['redis://a:b@h:1/0 and rediss://c:d@e:2', 'redis://[redacted]@h:1/0 and rediss://[redacted]@e:2'],
  ])('masks the user and password in %s, keeping the host', (text, masked) => {
    expect(withoutUrlCredentials(text)).toBe(masked);
  });

  it('leaves text without credentials alone, an @ in a query included', () => {
    expect(withoutUrlCredentials('connect ECONNREFUSED 127.0.0.1:6379')).toBe('connect ECONNREFUSED 127.0.0.1:6379');
    expect(withoutUrlCredentials('https://ws.example/2.0/?a=b@c')).toBe('https://ws.example/2.0/?a=b@c');
  });
});
