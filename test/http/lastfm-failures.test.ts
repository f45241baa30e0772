import { buildApp, fakeConfig, sessionCookie, type LogCapture } from '../helpers/app';
import { instantClock, signedInAgent, teachAccountMethods } from '../helpers/account';
import { FakeLastfm } from '../helpers/fake-lastfm';

let fake: FakeLastfm;
let app: ReturnType<typeof buildApp>['app'];
let logs: LogCapture;
let clock: ReturnType<typeof instantClock>;
const config = () => fakeConfig(fake);

beforeEach(async () => {
  fake = await new FakeLastfm().start();
  teachAccountMethods(fake);
  clock = instantClock();
  ({ app, logs } = buildApp(config(), { clock, now: () => clock.now() }));
});

afterEach(async () => {
  await fake.stop();
});

const HTML_500 = { status: 500, body: '<html><body>Internal Server Error</body></html>', contentType: 'text/html' };

describe('a revoked session key', () => {
  it('error 9 signs the person out, keeps nothing of the key, and offers a one-click sign-in', async () => {
    const { agent, csrf, sessionKey } = await signedInAgent(app, fake);
    fake.sessionKeys.delete(sessionKey);
    const res = await agent.post('/track/love').type('form').send({ _csrf: csrf, artist: 'a', track: 'b' }).expect(401);
    expect(res.text).toContain('Last.fm access was revoked; sign in again');
    expect(res.text).toContain('href="/auth/login"');
    expect(res.text).not.toContain(sessionKey);
    expect(sessionCookie(res, config().session.cookieName)).toBe('');
    expect(logs.text).not.toContain(sessionKey);

    const home = await agent.get('/').expect(200);
    expect(home.text).toContain('<h1>Sign in with Last.fm</h1>');
    // Nothing more is sent with the old key.
    const calls = fake.requests.length;
    await agent.post('/track/love').type('form').send({ _csrf: csrf, artist: 'a', track: 'b' }).expect(401);
    expect(fake.requests).toHaveLength(calls);
  });

  it('error 4 on a call with the session key is a revocation too (JSON client)', async () => {
    const { agent, csrf } = await signedInAgent(app, fake);
    fake.replyNextError(4, 'Authentication Failed - You do not have permissions to access the service', 403);
    const res = await agent.post('/track/scrobble').set('Accept', 'application/json').send({ _csrf: csrf, artist: 'a', track: 'b' }).expect(401);
    expect(res.body).toMatchObject({ error: { status: 401, title: 'Last.fm access was revoked; sign in again', action: { href: '/auth/login' } } });
    expect(fake.calls('track.scrobble')).toHaveLength(1);
    expect((await agent.get('/')).text).toContain('<h1>Sign in with Last.fm</h1>');
  });
});

describe('temporary failures: retried with backoff, then a 503', () => {
  it.each([8, 11, 16])('retries love after error %i and succeeds', async (code) => {
    const { agent, csrf } = await signedInAgent(app, fake);
    clock.advance(2000);
    fake.replyNextError(code, 'temporary trouble', code === 8 ? 200 : 503);
    await agent.post('/track/love').type('form').send({ _csrf: csrf, artist: 'a', track: 'b' }).expect(303);
    expect(fake.calls('track.love')).toHaveLength(2);
    expect(clock.delays.filter((ms) => ms >= 100)).toHaveLength(1);
  });

  it('retries after an HTML 500, with growing delays, then gives a 503 saying nothing was changed', async () => {
    const { agent, csrf } = await signedInAgent(app, fake);
    for (let i = 0; i < 3; i += 1) fake.replyNext(HTML_500);
    const res = await agent.post('/tags/add').type('form').send({ _csrf: csrf, type: 'artist', artist: 'a', tags: 'x' }).expect(503);
    expect(res.text).toContain('Last.fm is unavailable and nothing was changed');
    expect(fake.calls('artist.addTags')).toHaveLength(3);
    const [first = 0, second = 0] = clock.delays.filter((ms) => ms >= 100);
    expect(second).toBeGreaterThan(first / 2);
    expect(first).toBeGreaterThanOrEqual(150);
    expect(second).toBeGreaterThanOrEqual(300);
  });

  it('keeps a scrobble after 16, an HTML 500 or 8 (answering "queued"), and sends each once Last.fm answers again', async () => {
    const { agent, csrf } = await signedInAgent(app, fake);
    const failures = [() => fake.replyNextError(16, 'There was a temporary error processing your request', 503), () => fake.replyNext(HTML_500), () => fake.replyNextError(8, 'Operation failed')];
    for (const [i, fail] of failures.entries()) {
      fail();
      const res = await agent.post('/track/scrobble').set('Accept', 'application/json').send({ _csrf: csrf, artist: 'a', track: `Kept ${i}` }).expect(202);
      expect(res.body).toMatchObject({ ok: true, state: 'queued', queued: 1 });
      // One try, not retried on the spot: the outbox tries again later.
      expect(fake.calls('track.scrobble')).toHaveLength(i + 1);
    }
    // Past every backoff: the delivery loop sends the three in one call.
    clock.advance(120_000);
    const sent = () => fake.calls('track.scrobble').slice(3).flatMap((call) => Object.entries(call.params).filter(([name]) => name.startsWith('track[')).map(([, track]) => track));
    for (let i = 0; i < 500 && sent().length < 3; i += 1) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(sent().sort()).toEqual(['Kept 0', 'Kept 1', 'Kept 2']);
  });

  it('never retries now playing', async () => {
    const { agent, csrf } = await signedInAgent(app, fake);
    fake.replyNextError(11, 'Service Offline', 503);
    await agent.post('/track/now-playing').type('form').send({ _csrf: csrf, artist: 'a', track: 'b' }).expect(503);
    expect(fake.calls('track.updateNowPlaying')).toHaveLength(1);
  });

  it('an unreachable Last.fm leaves the home page usable: the last good copy, said to be one', async () => {
    const { agent } = await signedInAgent(app, fake);
    clock.advance(120_000);
    const port = fake.port;
    await fake.stop();
    const home = await agent.get('/').expect(200);
    expect(home.text).toContain('Last.fm is not answering just now, so your profile, recent tracks and tags below are as they were 2 minutes ago.');
    expect(home.text).toContain('data-testid="profile"');
    expect(home.text).toContain('Scrobble a track');
    expect(port).toBeGreaterThan(0);
  });
});

describe('rate limiting', () => {
  it('29 gives a 429, and the app sends nothing more until it has backed off', async () => {
    const { agent, csrf } = await signedInAgent(app, fake);
    fake.replyNextError(29, 'Rate Limit Exceded', 429);
    const res = await agent.post('/track/love').type('form').send({ _csrf: csrf, artist: 'a', track: 'b' }).expect(429);
    expect(res.text).toContain('Too many requests to Last.fm');
    expect(fake.calls('track.love')).toHaveLength(1);

    await agent.post('/track/love').type('form').send({ _csrf: csrf, artist: 'a', track: 'b' }).expect(429);
    expect(fake.calls('track.love')).toHaveLength(1);

    clock.advance(31_000);
    await agent.post('/track/love').type('form').send({ _csrf: csrf, artist: 'a', track: 'b' }).expect(303);
    expect(fake.calls('track.love')).toHaveLength(2);
  });

  it('queues calls beyond LASTFM_RATE_LIMIT per second rather than failing them', async () => {
    ({ app } = buildApp(fakeConfig(fake, { LASTFM_RATE_LIMIT: '2' }), { clock }));
    const { agent, csrf } = await signedInAgent(app, fake);
    const waitsBefore = clock.delays.length;
    for (let i = 0; i < 3; i += 1) await agent.post('/track/love').type('form').send({ _csrf: csrf, artist: 'a', track: `t${i}` }).expect(303);
    expect(fake.calls('track.love')).toHaveLength(3);
    expect(clock.delays.slice(waitsBefore).some((ms) => ms > 0 && ms <= 1000)).toBe(true);
  });
});

describe('operator problems', () => {
  it.each([
    [10, 'OPERATOR: Last.fm refused the API key'],
    [26, 'OPERATOR: Last.fm refused the API key'],
    [13, 'check LASTFM_SHARED_SECRET'],
  ])('error %i shows a generic page and logs loudly for the operator', async (code, logLine) => {
    const { agent, csrf, sessionKey } = await signedInAgent(app, fake);
    fake.replyNextError(code, 'refused', 403);
    const res = await agent.post('/track/love').type('form').send({ _csrf: csrf, artist: 'a', track: 'b' }).expect(502);
    expect(res.text).toContain('This is a problem with this app, not with anything you did');
    expect(res.text).not.toContain('refused');
    expect(fake.calls('track.love')).toHaveLength(1);
    const line = logs.lines.find((l) => l.includes(logLine));
    expect(line).toBeDefined();
    expect(JSON.parse(line ?? '{}')).toMatchObject({ level: 50, lastfm: { method: 'track.love', code } });
    expect(logs.text).not.toContain(sessionKey);
    // Still signed in: this was not the person's fault.
    expect((await agent.get('/')).text).toContain('Hello, rj');
  });
});
