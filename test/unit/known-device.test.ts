import type { Request, Response } from 'express';
import { knownDeviceFor, rememberDevice } from '../../src/known-device';
import { loadConfig } from '../../src/config';

const config = loadConfig({ NODE_ENV: 'test', SESSION_SECRET: 'known-device-test-secret-0123456789abcdef' });

/** The cookie value rememberDevice sets. */
function issued(username: string): string {
  let value = '';
  rememberDevice({ cookie: (_name: string, v: string) => (value = v) } as unknown as Response, config, username, 1_800_000_000_000);
  return value;
}

const requestWith = (cookie: string): Request => ({ headers: { cookie: `other=1; lastfm_signin.device=${cookie}` } }) as unknown as Request;

describe('known-device cookies', () => {
  it('recognise the browser for the user name it signed in as, in any case', () => {
    expect(knownDeviceFor(requestWith(issued('RJ')), config, 'rj')).toBeDefined();
  });

  it('are worth nothing for another user name, tampered with, or signed with another secret', () => {
    const cookie = issued('rj');
    expect(knownDeviceFor(requestWith(cookie), config, 'bob')).toBeUndefined();
    const [user, at, sig] = cookie.split('.');
    expect(knownDeviceFor(requestWith(`${Buffer.from('bob').toString('base64url')}.${at ?? ''}.${sig ?? ''}`), config, 'bob')).toBeUndefined();
    expect(knownDeviceFor(requestWith(`${user ?? ''}.${at ?? ''}.${(sig ?? '').replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'))}`), config, 'rj')).toBeUndefined();
    const other = loadConfig({ NODE_ENV: 'test', SESSION_SECRET: 'another-secret-entirely-0123456789abcdefgh' });
    expect(knownDeviceFor(requestWith(cookie), other, 'rj')).toBeUndefined();
    expect(knownDeviceFor({ headers: {} } as unknown as Request, config, 'rj')).toBeUndefined();
  });
});
