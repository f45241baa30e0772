import { Writable } from 'node:stream';
import { createLogger } from '../../src/logger';

function logged(object: Record<string, unknown>): string {
  let text = '';
  const destination = new Writable({
    write: (chunk: Buffer, _encoding, done) => {
      text += chunk.toString('utf8');
      done();
    },
  });
  createLogger({ destination }).info(object, 'careless line');
  return text;
}

describe('the logger blanks secret-bearing fields whoever logs them', () => {
  it.each([
    ['a session key', { user: { key: 'SECRET-VALUE' } }],
    ['an sk parameter', { params: { sk: 'SECRET-VALUE' } }],
    ['an api_sig', { params: { api_sig: 'SECRET-VALUE' } }],
    ['a password', { form: { password: 'SECRET-VALUE' } }],
    ['a token', { params: { token: 'SECRET-VALUE' } }],
    ['the shared secret', { config: { sharedSecret: 'SECRET-VALUE' } }],
    ['a sessionKey', { user: { sessionKey: 'SECRET-VALUE' } }],
    ['a CSRF token', { session: { csrfToken: 'SECRET-VALUE' } }],
    ['a cookie header', { req: { headers: { cookie: 'sid=SECRET-VALUE' } } }],
    ['an Authorization header', { req: { headers: { authorization: 'Bearer SECRET-VALUE' } } }],
    ['a CSRF header', { req: { headers: { 'x-csrf-token': 'SECRET-VALUE' } } }],
  ])('%s', (_what, object) => {
    const line = logged(object);
    expect(line).toContain('[redacted]');
    expect(line).not.toContain('SECRET-VALUE');
  });
});
