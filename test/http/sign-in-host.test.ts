import request from 'supertest';
import type { Config } from '../../src/config';
import { buildApp, fakeConfig, sessionCookie } from '../helpers/app';
import { FakeLastfm } from '../helpers/fake-lastfm';

// PUBLIC_URL is http://127.0.0.1:3999/; "localhost" plays the other address of the same app,
// whose cookies the browser keeps apart. Each request names its host as a browser would.
let fake: FakeLastfm;
let config: Config;
let app: ReturnType<typeof buildApp>['app'];

beforeEach(async () => {
  fake = await new FakeLastfm().start();
  config = fakeConfig(fake);
  ({ app } = buildApp(config));
});

afterEach(async () => {
  await fake.stop();
});

const stateIn = (location: string): string => new URL(new URL(location).searchParams.get('cb') ?? '').searchParams.get('state') ?? '';

describe('a sign-in started at another address of the app', () => {
  it('is first sent to PUBLIC_URL\'s host, keeping returnTo, and then completes there', async () => {
    const elsewhere = await request(app).get('/auth/login?returnTo=%2Fdesktop').set('Host', 'localhost:3999').expect(303);
    expect(elsewhere.headers.location).toBe('http://127.0.0.1:3999/auth/login?returnTo=%2Fdesktop&moved=1');
    // Nothing is stored for the address that could never see the callback.
    expect(sessionCookie(elsewhere, config.session.cookieName)).toBeUndefined();

    const here = new URL(elsewhere.headers.location as string);
    const login = await request(app).get(`${here.pathname}${here.search}`).set('Host', here.host).expect(303);
    expect(login.headers.location?.startsWith(fake.authUrl)).toBe(true);
    const cookie = `${config.session.cookieName}=${sessionCookie(login, config.session.cookieName) ?? ''}`;
    const done = await request(app)
      .get(`/auth/callback?state=${stateIn(login.headers.location as string)}&token=${fake.approveToken('rj')}`)
      .set('Host', here.host)
      .set('Cookie', cookie)
      .expect(303);
    expect(done.headers.location).toBe('/desktop');
  });

  it('is not sent round again when the host still looks wrong after the move (a proxy hiding the host)', async () => {
    const res = await request(app).get('/auth/login?moved=1').set('Host', 'localhost:3999').expect(303);
    expect(res.headers.location?.startsWith(fake.authUrl)).toBe(true);
  });

  it('leaves another port of the same host name alone: browsers share cookies across ports', async () => {
    const res = await request(app).get('/auth/login').set('Host', '127.0.0.1:4000').expect(303);
    expect(res.headers.location?.startsWith(fake.authUrl)).toBe(true);
  });

  it('names the real cause when the callback reaches a browser with no sign-in under way at PUBLIC_URL', async () => {
    const login = await request(app).get('/auth/login?moved=1').set('Host', 'localhost:3999').expect(303);
    // The callback comes to PUBLIC_URL, where this browser has no cookie.
    const res = await request(app).get(`/auth/callback?state=${stateIn(login.headers.location as string)}&token=${fake.approveToken('rj')}`).set('Host', '127.0.0.1:3999').expect(400);
    expect(res.text).toContain('No sign-in was started here');
    expect(res.text).toContain('no sign-in under way at http://127.0.0.1:3999/');
    expect(res.text).toContain('such as 127.0.0.1 instead of localhost');
    expect(res.text).not.toContain('already used');
    expect(fake.calls('auth.getSession')).toHaveLength(0);
  });
});
