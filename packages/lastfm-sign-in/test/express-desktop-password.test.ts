import session from 'express-session';
import request from 'supertest';
import { DEMO_ACCOUNTS, startSandbox, type StartedSandbox } from '../src/testing';
import { lastfmSignIn } from '../src/express';
import { MAJORS, buildHost, cookieFrom, SAME_ORIGIN } from './helpers/host';

let sandbox: StartedSandbox;

beforeAll(async () => {
  sandbox = await startSandbox();
});

afterAll(async () => {
  await sandbox.close();
});

/** The Last.fm token the stand-in issued last (the library never shows it). */
function newestToken(): string {
  const tokens = [...sandbox.state.tokens.keys()];
  const token = tokens[tokens.length - 1];
  if (token === undefined) throw new Error('no token issued');
  return token;
}

describe.each(MAJORS)('on %s', (_major, expressMajor) => {
  describe('desktop flow', () => {
    test('a token per session: create, approve on Last.fm, exchange; not approved yet is 409 and the token stays usable', async () => {
      const host = buildHost(expressMajor, sandbox, { desktop: { page: '/desktop' } });
      const created = await request(host.app).post('/auth/lastfm/desktop/token').set(SAME_ORIGIN).set('Accept', 'application/json').expect(201);
      const cookie = cookieFrom(created) ?? '';
      const { id, authorizePath } = created.body as { id: string; authorizePath: string };
      expect(authorizePath).toBe(`/auth/lastfm/desktop/authorize/${id}`);

      const toLastfm = await request(host.app).get(authorizePath).set('Cookie', cookie).expect(303);
      const lastfmToken = new URL(toLastfm.headers.location as string).searchParams.get('token');
      expect(lastfmToken).toBe(newestToken());

      const early = await request(host.app).post('/auth/lastfm/desktop/session').set(SAME_ORIGIN).set('Cookie', cookie).type('form').send({ id }).expect(409);
      expect(early.text).toContain('Not approved yet');

      sandbox.state.approveToken(lastfmToken ?? '', 'sandbox-ada');
      const done = await request(host.app).post('/auth/lastfm/desktop/session').set(SAME_ORIGIN).set('Cookie', cookie).type('form').send({ id, returnTo: '/private' }).expect(303);
      expect(done.headers.location).toBe('/private');
      const signedIn = cookieFrom(done) ?? '';
      await request(host.app).get('/').set('Cookie', signedIn).expect(200, 'sandbox-ada');

      // Spent: the list shows it used and a second exchange is refused before Last.fm is asked.
      const calls = sandbox.state.calls.of('auth.getSession');
      await request(host.app).post('/auth/lastfm/desktop/session').set(SAME_ORIGIN).set('Cookie', signedIn).type('form').send({ id }).expect(400);
      expect(sandbox.state.calls.of('auth.getSession')).toBe(calls);
    });

    test('another browser cannot use a token it did not create; a token older than 60 minutes is expired', async () => {
      let now = Date.now();
      const host = buildHost(expressMajor, sandbox, { desktop: true, now: () => now });
      const created = await request(host.app).post('/auth/lastfm/desktop/token').set(SAME_ORIGIN).set('Accept', 'application/json').expect(201);
      const { id } = created.body as { id: string };
      await request(host.app).post('/auth/lastfm/desktop/session').set(SAME_ORIGIN).type('form').send({ id }).expect(404);
      now += 61 * 60 * 1000;
      const expired = await request(host.app).post('/auth/lastfm/desktop/session').set(SAME_ORIGIN).set('Cookie', cookieFrom(created) ?? '').type('form').send({ id }).expect(400);
      expect(expired.text).toContain('60 minutes');
    });

    test('with notices, "not approved yet" and "expired" go back to the page once, as post/redirect/get; JSON clients still get the error', async () => {
      const host = buildHost(expressMajor, sandbox, { desktop: { page: '/desktop', afterToken: '/desktop#tokens', notices: true } });
      host.app.get('/desktop', (req, res) => {
        res.json({ notice: host.lastfm.desktopNotice(req) ?? null, tokens: host.lastfm.desktopTokens(req).map(({ id, status }) => ({ id, status })) });
      });
      const created = await request(host.app).post('/auth/lastfm/desktop/token').set(SAME_ORIGIN).expect(303);
      expect(created.headers.location).toBe('/desktop#tokens');
      const cookie = cookieFrom(created) ?? '';
      const listed = (await request(host.app).get('/desktop').set('Cookie', cookie).expect(200)).body as { tokens: { id: string }[] };
      const id = listed.tokens[0]?.id ?? '';
      const calls = sandbox.state.calls.of('auth.getSession');

      const early = await request(host.app).post('/auth/lastfm/desktop/session').set(SAME_ORIGIN).set('Cookie', cookie).type('form').send({ id }).expect(303);
      expect(early.headers.location).toBe('/desktop');
      const shown = await request(host.app).get('/desktop').set('Cookie', cookie).expect(200);
      expect(shown.body).toEqual({ notice: { code: 'token-not-approved', title: 'Not approved yet', message: expect.stringContaining('not approved') as unknown }, tokens: [{ id, status: 'new' }] });
      // Shown once: a reload asks Last.fm nothing and shows no notice.
      expect((await request(host.app).get('/desktop').set('Cookie', cookie).expect(200)).body).toEqual({ notice: null, tokens: [{ id, status: 'new' }] });
      expect(sandbox.state.calls.of('auth.getSession')).toBe(calls + 1);

      await request(host.app).post('/auth/lastfm/desktop/session').set(SAME_ORIGIN).set('Cookie', cookie).set('Accept', 'application/json').type('form').send({ id }).expect(409);
    });

    test('a token exchange with no token chosen is a 400 naming the field, before Last.fm is asked', async () => {
      const host = buildHost(expressMajor, sandbox, { desktop: true });
      const calls = sandbox.state.calls.of('auth.getSession');
      const res = await request(host.app).post('/auth/lastfm/desktop/session').set(SAME_ORIGIN).set('Accept', 'application/json').type('form').send({}).expect(400);
      expect(res.body).toMatchObject({ error: 'bad-input', message: expect.stringContaining('No token chosen') as unknown });
      expect(sandbox.state.calls.of('auth.getSession')).toBe(calls);
    });

    test('the desktop routes are off unless asked for', async () => {
      const host = buildHost(expressMajor, sandbox);
      await request(host.app).post('/auth/lastfm/desktop/token').set(SAME_ORIGIN).expect(404);
    });
  });

  describe('password flow', () => {
    const [ada] = DEMO_ACCOUNTS;

    test('the right password signs in; a wrong one is 401 in words', async () => {
      const host = buildHost(expressMajor, sandbox, { password: { page: '/sign-in' } });
      const wrong = await request(host.app).post('/auth/lastfm/password').set(SAME_ORIGIN).type('form').send({ username: ada?.name, password: 'not-it' }).expect(401);
      expect(wrong.text).toContain('Wrong user name or password');
      expect(wrong.text).not.toContain('not-it');
      expect(wrong.text).toContain('<a href="/sign-in">Try the password sign-in again</a>');
      const done = await request(host.app).post('/auth/lastfm/password').set(SAME_ORIGIN).type('form').send({ username: ada?.email, password: ada?.password }).expect(303);
      await request(host.app).get('/').set('Cookie', cookieFrom(done) ?? '').expect(200, ada?.name);
    });

    test('after 5 wrong passwords for a user name the sixth try is 429 with Retry-After, before Last.fm is asked', async () => {
      const host = buildHost(expressMajor, sandbox, { password: { perClient: { max: 100, windowMs: 60_000 } } });
      for (let attempt = 0; attempt < 5; attempt += 1) {
        await request(host.app).post('/auth/lastfm/password').set(SAME_ORIGIN).type('form').send({ username: 'sandbox-bo', password: `guess-${attempt}` }).expect(401);
      }
      const calls = sandbox.state.calls.of('auth.getMobileSession');
      const limited = await request(host.app).post('/auth/lastfm/password').set(SAME_ORIGIN).type('form').send({ username: 'SANDBOX-BO', password: 'bo-listens' }).expect(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect(sandbox.state.calls.of('auth.getMobileSession')).toBe(calls);
    });

    test('a browser that signed in with a password before keeps its own allowance when strangers spend the user name\'s', async () => {
      const host = buildHost(expressMajor, sandbox, { password: { perClient: { max: 100, windowMs: 60_000 }, deviceSecret: 'a-device-secret-of-at-least-32-characters' } });
      const first = await request(host.app).post('/auth/lastfm/password').set(SAME_ORIGIN).type('form').send({ username: 'sandbox-ada', password: 'ada-listens' }).expect(303);
      const device = cookieFrom(first, 'lastfm_signin.device');
      expect(device).toBeDefined();
      expect(device).not.toContain('ada-listens');
      for (let attempt = 0; attempt < 5; attempt += 1) {
        await request(host.app).post('/auth/lastfm/password').set(SAME_ORIGIN).type('form').send({ username: 'sandbox-ada', password: `guess-${attempt}` }).expect(401);
      }
      await request(host.app).post('/auth/lastfm/password').set(SAME_ORIGIN).type('form').send({ username: 'sandbox-ada', password: 'ada-listens' }).expect(429);
      await request(host.app).post('/auth/lastfm/password').set(SAME_ORIGIN).set('Cookie', device ?? '').type('form').send({ username: 'sandbox-ada', password: 'ada-listens' }).expect(303);
      // The cookie names one user: for another name it is a stranger's browser again.
      const forged = (device ?? '').replace(/=[^.]*\./, `=${Buffer.from('sandbox-bo').toString('base64url')}.`);
      for (let attempt = 0; attempt < 5; attempt += 1) {
        await request(host.app).post('/auth/lastfm/password').set(SAME_ORIGIN).type('form').send({ username: 'sandbox-bo', password: `guess-${attempt}` }).expect(401);
      }
      await request(host.app).post('/auth/lastfm/password').set(SAME_ORIGIN).set('Cookie', forged).type('form').send({ username: 'sandbox-bo', password: 'bo-listens' }).expect(429);
    });

    test('a site not served over https (nor on this machine) refuses to take a password', async () => {
      const host = buildHost(expressMajor, sandbox, { password: true, publicUrl: 'http://example.org' });
      const refused = await request(host.app).post('/auth/lastfm/password').set('Origin', 'http://example.org').type('form').send({ username: 'sandbox-ada', password: 'ada-listens' }).expect(403);
      expect(refused.text).toContain('https');
    });

    test('password.path moves the form\'s POST; an empty field is credentials-missing, before Last.fm is asked', async () => {
      const host = buildHost(expressMajor, sandbox, { password: { path: '/mobile' } });
      await request(host.app).post('/auth/lastfm/password').set(SAME_ORIGIN).type('form').send({ username: 'sandbox-ada', password: 'ada-listens' }).expect(404);
      const calls = sandbox.state.calls.of('auth.getMobileSession');
      const empty = await request(host.app).post('/auth/lastfm/mobile').set(SAME_ORIGIN).set('Accept', 'application/json').type('form').send({ username: 'sandbox-ada', password: '' }).expect(400);
      expect(empty.body).toMatchObject({ error: 'credentials-missing', title: 'Something is missing' });
      expect(sandbox.state.calls.of('auth.getMobileSession')).toBe(calls);
      const done = await request(host.app).post('/auth/lastfm/mobile').set(SAME_ORIGIN).type('form').send({ username: 'sandbox-ada', password: 'ada-listens' }).expect(303);
      await request(host.app).get('/').set('Cookie', cookieFrom(done) ?? '').expect(200, 'sandbox-ada');
    });

    test('a password POST from another site is refused', async () => {
      const host = buildHost(expressMajor, sandbox, { password: true });
      await request(host.app).post('/auth/lastfm/password').set('Origin', 'https://evil.example').type('form').send({ username: 'sandbox-ada', password: 'ada-listens' }).expect(403);
    });
  });
});

describe.each(MAJORS)('on %s, with no body parser of the host', (_major, expressMajor) => {
  test('the password form is read by the library itself, and a repeated field is refused', async () => {
    const app = expressMajor();
    app.use(session({ secret: 'host-secret-for-tests', resave: false, saveUninitialized: false }));
    const lastfm = lastfmSignIn({ apiKey: sandbox.apiKey, sharedSecret: sandbox.sharedSecret, apiUrl: sandbox.apiUrl, authUrl: sandbox.authUrl, publicUrl: 'http://127.0.0.1', password: true });
    app.use('/auth/lastfm', lastfm.router);
    app.get('/', (req, res) => {
      res.send(lastfm.user(req)?.name ?? 'signed out');
    });
    const done = await request(app).post('/auth/lastfm/password').set(SAME_ORIGIN).type('form').send('username=sandbox-ada&password=ada-listens&returnTo=%2Fdone').expect(303);
    expect(done.headers.location).toBe('/done');
    await request(app).get('/').set('Cookie', cookieFrom(done, 'connect.sid') ?? '').expect(200, 'sandbox-ada');
    const twice = await request(app).post('/auth/lastfm/password').set(SAME_ORIGIN).type('form').send('username=a&username=b&password=x').expect(400);
    expect(twice.text).toContain('The field &quot;username&quot; must be given once');
  });
});
