import request from 'supertest';
import { loadConfig, type Config } from '../../src/config';
import { buildApp, csrfFrom, fakeConfig, sessionCookie, type LogCapture } from '../helpers/app';
import { FAKE_SECRET, FakeLastfm } from '../helpers/fake-lastfm';

// Characters that must survive form encoding and signing unchanged.
const PASSWORD = 'correct horse+&/ Bjørnstjerne 東京';
const MINUTE = 60 * 1000;

let fake: FakeLastfm;
let config: Config;
let app: ReturnType<typeof buildApp>['app'];
let logs: LogCapture;
let clock: number;

function build(env: Record<string, string> = {}, deps: Parameters<typeof buildApp>[1] = {}): void {
  config = fakeConfig(fake, env);
  ({ app, logs } = buildApp(config, { now: () => clock, ...deps }));
}

beforeEach(async () => {
  fake = await new FakeLastfm().start();
  // Plays Last.fm: POST only, one account known by name or email, the canonical name in the answer.
  fake.onMethod('auth.getMobileSession', (params, recorded) => {
    if (recorded.httpMethod !== 'POST') return [403, { error: 4, message: 'Authentication Failed - This method must be called with POST over HTTPS' }];
    const known = params.username?.toLowerCase() === 'rj' || params.username?.toLowerCase() === 'rj@example.com';
    if (!known || params.password !== PASSWORD) return [403, { error: 4, message: 'Authentication Failed - You do not have permissions to access the service' }];
    return [200, { session: { name: 'rj', key: fake.issueSessionKey('rj'), subscriber: 0 } }];
  });
  clock = Date.UTC(2026, 10, 23, 12);
  build();
});

afterEach(async () => {
  await fake.stop();
});

async function openForm(agent = request.agent(app)) {
  const page = await agent.get('/auth/mobile').expect(200);
  return { agent, page, csrf: csrfFrom(page.text) };
}

async function attempt(username: string, password: string, agent?: ReturnType<typeof request.agent>) {
  const form = await openForm(agent);
  const res = await form.agent.post('/auth/mobile').type('form').send({ _csrf: form.csrf, username, password });
  return { ...form, res };
}

describe('GET /auth/mobile', () => {
  it('shows a user name and password form, explains the API key limit and links to the web flow', async () => {
    const { page } = await openForm();
    expect(page.text).toContain('name="username"');
    expect(page.text).toContain('type="password"');
    expect(page.text).toContain('action="/auth/mobile"');
    expect(page.text).toContain('some API keys only');
    expect(page.text).toContain('href="/auth/login"');
    // Only the sandbox has demo accounts; real Last.fm has none to list.
    expect(page.text).not.toContain('demo-accounts');
  });

  it('never sends credentials given in a URL', async () => {
    const res = await request(app).get(`/auth/mobile?username=rj&password=${encodeURIComponent(PASSWORD)}`).expect(200);
    expect(res.text).not.toContain('Bjørnstjerne');
    expect(fake.requests).toHaveLength(0);
  });
});

describe('POST /auth/mobile', () => {
  it('signs in with one signed POST of auth.getMobileSession and uses the name Last.fm returns', async () => {
    const { agent, page, res } = await attempt('RJ@example.com', PASSWORD);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/');

    const calls = fake.calls('auth.getMobileSession');
    expect(calls).toHaveLength(1);
    const call = calls[0];
    expect(call?.httpMethod).toBe('POST');
    expect(call?.signatureValid).toBe(true);
    expect(call?.query).toEqual({});
    expect(call?.body.username).toEqual(['RJ@example.com']);
    expect(call?.body.password).toEqual([PASSWORD]);
    expect(call?.headers['content-type']).toBe('application/x-www-form-urlencoded; charset=UTF-8');

    expect(sessionCookie(res, config.session.cookieName)).not.toBe(sessionCookie(page, config.session.cookieName));
    const home = await agent.get('/').expect(200);
    expect(home.text).toContain('Hello, rj');
    expect(home.text).not.toContain('RJ@example.com');
  });

  it('shows the form again with the user name kept, never the password, for wrong credentials (error 4)', async () => {
    const wrong = `${PASSWORD}-wrong`;
    const { agent, res } = await attempt('rj', wrong);
    expect(res.status).toBe(401);
    expect(res.text).toContain('Wrong user name or password');
    expect(res.text).toContain('may not be allowed to use password sign-in');
    expect(res.text).toMatch(/name="username"[^>]*value="rj"/);
    expect(res.text).toMatch(/<input id="password" name="password" type="password"[^>]*>/);
    expect(res.text).not.toContain(wrong);
    expect(res.text).not.toContain('Bjørnstjerne');
    expect(res.text).toContain('href="/auth/login"');
    expect((await agent.get('/')).text).not.toContain('Hello,');
  });

  it('escapes the kept user name', async () => {
    const { res } = await attempt('"><script>x</script>', 'nope');
    expect(res.status).toBe(401);
    expect(res.text).not.toContain('<script>x</script>');
    expect(res.text).toContain('&#34;&gt;&lt;script&gt;');
  });

  it('asks again, with the user name kept, when a field is empty, without calling Last.fm', async () => {
    const { res } = await attempt('rj', '');
    expect(res.status).toBe(400);
    expect(res.text).toContain('Enter your Last.fm user name');
    expect(res.text).toMatch(/name="username"[^>]*value="rj"/);
    const blank = await attempt('   ', PASSWORD);
    expect(blank.res.status).toBe(400);
    expect(fake.requests).toHaveLength(0);
  });

  it('refuses a repeated field with a 400 that does not echo it', async () => {
    const { agent, csrf } = await openForm();
    const res = await agent
      .post('/auth/mobile')
      .type('form')
      .send(`_csrf=${encodeURIComponent(csrf)}&username=rj&password=${encodeURIComponent(PASSWORD)}&password=x`)
      .expect(400);
    expect(res.text).toContain('The field &#34;password&#34; must be given once, as text.');
    expect(res.text).not.toContain('Bjørnstjerne');
    expect(fake.requests).toHaveLength(0);
  });

  it('refuses without the CSRF token and sends nothing', async () => {
    const agent = request.agent(app);
    await agent.get('/auth/mobile');
    await agent.post('/auth/mobile').type('form').send({ username: 'rj', password: PASSWORD }).expect(403);
    expect(fake.requests).toHaveLength(0);
  });

  it.each([
    [11, 503, 'try again'],
    [29, 429, 'slow down'],
    [26, 502, 'problem with this app'],
  ])('maps Last.fm error %i to a %i page', async (code, status, text) => {
    fake.replyNextError(code, 'nope');
    const { res } = await attempt('rj', PASSWORD);
    expect(res.status).toBe(status);
    expect(res.text).toContain(text);
    expect(res.text).not.toContain('Bjørnstjerne');
  });
});

describe('rate limits', () => {
  it('allows 5 attempts per client in 15 minutes, then a clear 429 without calling Last.fm', async () => {
    for (let i = 0; i < 5; i += 1) {
      const { res } = await attempt(`user${i}`, 'wrong');
      expect(res.status).toBe(401);
    }
    const { res } = await attempt('rj', PASSWORD);
    expect(res.status).toBe(429);
    expect(res.text).toContain('Too many sign-in attempts');
    expect(res.text).toContain('Wait 15 minutes');
    expect(res.text).toContain('href="/auth/login"');
    expect(res.headers['retry-after']).toBe('900');
    expect(fake.calls('auth.getMobileSession')).toHaveLength(5);

    clock += 15 * MINUTE;
    expect((await attempt('rj', PASSWORD)).res.status).toBe(303);
  });

  it('allows 5 attempts per user name (any case) in 15 minutes, whatever the client', async () => {
    build({}, { mobileLimits: { perClient: { max: 100, windowMs: 15 * MINUTE }, perUser: { max: 5, windowMs: 15 * MINUTE } } });
    for (let i = 0; i < 5; i += 1) {
      clock += MINUTE;
      expect((await attempt(i % 2 === 0 ? 'rj' : 'RJ', 'wrong')).res.status).toBe(401);
    }
    const blocked = await attempt('rj', PASSWORD);
    expect(blocked.res.status).toBe(429);
    expect(blocked.res.headers['retry-after']).toBe(String(11 * 60));
    expect((await attempt('someone-else', 'wrong')).res.status).toBe(401);
    expect(fake.calls('auth.getMobileSession')).toHaveLength(6);

    clock += 11 * MINUTE;
    expect((await attempt('rj', PASSWORD)).res.status).toBe(303);
  });

  it('does not let a stranger\'s wrong passwords lock the person out of a browser they signed in with before', async () => {
    build({}, { mobileLimits: { perClient: { max: 100, windowMs: 15 * MINUTE }, perUser: { max: 5, windowMs: 15 * MINUTE } } });
    const owner = request.agent(app);
    expect((await attempt('rj', PASSWORD, owner)).res.status).toBe(303);

    for (let i = 0; i < 5; i += 1) expect((await attempt('rj', `guess ${i}`)).res.status).toBe(401);
    expect((await attempt('rj', PASSWORD)).res.status).toBe(429);
    expect((await attempt('rj', PASSWORD, owner)).res.status).toBe(303);
  });

  it('answers JSON clients with a JSON 429', async () => {
    build({}, { mobileLimits: { perClient: { max: 1, windowMs: MINUTE }, perUser: { max: 5, windowMs: MINUTE } } });
    await attempt('rj', 'wrong');
    const { agent, csrf } = await openForm();
    const res = await agent.post('/auth/mobile').set('Accept', 'application/json').send({ _csrf: csrf, username: 'rj', password: 'wrong' }).expect(429);
    expect((res.body as { error: { title: string } }).error.title).toBe('Too many sign-in attempts');
  });
});

describe('transport', () => {
  it('refuses to send a password to a plain-http web service that is not loopback, and says why', async () => {
    build({ LASTFM_API_URL: 'http://ws.example.net/2.0/' });
    const agent = request.agent(app);
    const page = await agent.get('/auth/mobile').expect(403);
    expect(page.text).toContain('Password sign-in is switched off here');
    expect(page.text).toContain('not https');
    expect(page.text).not.toContain('type="password"');
    expect(page.text).toContain('href="/auth/login"');

    const csrf = csrfFrom((await agent.get('/desktop')).text);
    const res = await agent.post('/auth/mobile').type('form').send({ _csrf: csrf, username: 'rj', password: PASSWORD }).expect(403);
    expect(res.text).toContain('not https');
    expect(res.text).not.toContain('Bjørnstjerne');
  });

  it.each(['http://192.168.1.20:3000/', 'http://app.example.net/'])('refuses when PUBLIC_URL is plain http on another host (%s): the password would cross the network in clear', async (publicUrl) => {
    build({ PUBLIC_URL: publicUrl });
    const agent = request.agent(app);
    const page = await agent.get('/auth/mobile').expect(403);
    expect(page.text).toContain('Password sign-in is switched off here');
    expect(page.text).toContain('PUBLIC_URL');
    expect(page.text).not.toContain('type="password"');

    const csrf = csrfFrom((await agent.get('/desktop')).text);
    const res = await agent.post('/auth/mobile').type('form').send({ _csrf: csrf, username: 'rj', password: PASSWORD }).expect(403);
    expect(res.text).toContain('PUBLIC_URL');
    expect(fake.requests).toHaveLength(0);
  });

  it('offers the form when PUBLIC_URL is https on another host', async () => {
    build({ PUBLIC_URL: 'https://app.example.net/' });
    const page = await request(app).get('/auth/mobile').expect(200);
    expect(page.text).toContain('type="password"');
  });

  it('refuses in sandbox mode on a plain-http PUBLIC_URL that is not loopback, and keeps working on a loopback one', async () => {
    ({ app } = buildApp(loadConfig({ NODE_ENV: 'test', PUBLIC_URL: 'http://192.168.1.20:3000/' })));
    expect((await request(app).get('/auth/mobile').expect(403)).text).toContain('PUBLIC_URL');
    ({ app } = buildApp(loadConfig({ NODE_ENV: 'test', PUBLIC_URL: 'http://localhost:3000/' })));
    expect((await request(app).get('/auth/mobile').expect(200)).text).toContain('type="password"');
  });

  it('offers the form for an https web service', async () => {
    build({ LASTFM_API_URL: 'https://ws.example.net/2.0/' });
    const page = await request(app).get('/auth/mobile').expect(200);
    expect(page.text).toContain('type="password"');
  });
});

describe('secrets', () => {
  it('never put the password or session key in a page, header, URL or log line', async () => {
    const failed = await attempt('rj', 'wrong-Bjørnstjerne');
    const ok = await attempt('rj', PASSWORD);
    fake.replyNextError(13, 'Invalid method signature supplied');
    const broken = await attempt('rj', PASSWORD);
    fake.replyNext({ status: 500, body: '<html>oops</html>', contentType: 'text/html' });
    const down = await attempt('rj', PASSWORD);
    const key = [...fake.sessionKeys.keys()][0] ?? '';
    expect(key).not.toBe('');
    for (const res of [failed.res, ok.res, broken.res, down.res, await ok.agent.get('/')]) {
      const everything = JSON.stringify(res.headers) + res.text;
      expect(everything).not.toContain('Bjørnstjerne');
      expect(everything).not.toContain(key);
      expect(everything).not.toContain(FAKE_SECRET);
    }
    expect(fake.requests.every((r) => !JSON.stringify(r.query).includes('Bjørnstjerne') && !r.path.includes('Bj%C3%B8'))).toBe(true);
    expect(logs.lines.length).toBeGreaterThan(0);
    expect(logs.text).not.toContain('Bjørnstjerne');
    expect(logs.text).not.toContain('wrong-Bj');
    expect(logs.text).not.toContain(key);
  });
});

describe('JSON clients', () => {
  it('get JSON errors for wrong credentials, missing fields and the https refusal', async () => {
    const { agent, csrf } = await openForm();
    const wrong = await agent.post('/auth/mobile').set('Accept', 'application/json').send({ _csrf: csrf, username: 'rj', password: 'nope' }).expect(401);
    expect((wrong.body as { error: { title: string } }).error.title).toBe('Wrong user name or password');
    const missing = await agent.post('/auth/mobile').set('Accept', 'application/json').send({ _csrf: csrf, username: 'rj' }).expect(400);
    expect((missing.body as { error: { title: string } }).error.title).toBe('Something is missing');

    build({ LASTFM_API_URL: 'http://ws.example.net/2.0/' });
    const other = request.agent(app);
    const token = csrfFrom((await other.get('/desktop')).text);
    const refused = await other.post('/auth/mobile').set('Accept', 'application/json').send({ _csrf: token, username: 'rj', password: 'x' }).expect(403);
    expect((refused.body as { error: { message: string } }).error.message).toContain('not https');
  });
});
