import request from 'supertest';
import type { Config } from '../../src/config';
import { buildApp, csrfFrom, fakeConfig, sessionCookie, type LogCapture } from '../helpers/app';
import { FAKE_API_KEY, FAKE_SECRET, FakeLastfm } from '../helpers/fake-lastfm';

/** What the fake remembers of each desktop token it handed out, as Last.fm would. */
interface IssuedToken {
  approvedBy: string | undefined;
  spent: boolean;
  expired: boolean;
}

let fake: FakeLastfm;
let config: Config;
let app: ReturnType<typeof buildApp>['app'];
let logs: LogCapture;
let clock: number;
let issued: Map<string, IssuedToken>;

beforeEach(async () => {
  fake = await new FakeLastfm().start();
  issued = new Map();
  let counter = 0;
  fake.onMethod('auth.getToken', () => {
    counter += 1;
    const token = `desktoptoken${counter}x`;
    issued.set(token, { approvedBy: undefined, spent: false, expired: false });
    return [200, { token }];
  });
  fake.onMethod('auth.getSession', (params) => {
    const entry = issued.get(params.token ?? '');
    if (entry === undefined) return [403, { error: 4, message: 'Invalid authentication token supplied' }];
    if (entry.spent || entry.expired) return [403, { error: 15, message: 'This token has expired' }];
    if (entry.approvedBy === undefined) return [403, { error: 14, message: 'Unauthorized Token - This token has not been authorized' }];
    entry.spent = true;
    return [200, { session: { name: entry.approvedBy, key: fake.issueSessionKey(entry.approvedBy), subscriber: '0' } }];
  });
  clock = Date.UTC(2026, 10, 23, 12);
  config = fakeConfig(fake);
  ({ app, logs } = buildApp(config, { now: () => clock }));
});

afterEach(async () => {
  await fake.stop();
});

/** The handles of the tokens listed on a /desktop page, newest first. */
function tokenIds(html: string): string[] {
  return [...html.matchAll(/name="id" value="([^"]+)"/g)].map((m) => m[1] ?? '');
}

function statuses(html: string): string[] {
  return [...html.matchAll(/data-testid="token-status">([^<]+)</g)].map((m) => m[1] ?? '');
}

async function createToken(agent = request.agent(app)) {
  const page = await agent.get('/desktop').expect(200);
  const res = await agent.post('/auth/desktop/token').type('form').send({ _csrf: csrfFrom(page.text) }).expect(303);
  expect(res.headers.location).toBe('/desktop#tokens');
  const list = await agent.get('/desktop').expect(200);
  const id = tokenIds(list.text)[0] ?? '';
  const token = [...issued.keys()].at(-1) ?? '';
  return { agent, id, token, csrf: csrfFrom(list.text), list };
}

/** Follows the "Authorize on Last.fm" link and returns where it sends the browser. */
async function openAuthorize(agent: ReturnType<typeof request.agent>, id: string): Promise<URL> {
  const res = await agent.get(`/auth/desktop/authorize/${id}`).expect(303);
  return new URL(res.headers.location as string);
}

function approve(token: string, user = 'rj'): void {
  const entry = issued.get(token);
  if (entry === undefined) throw new Error(`the fake never issued ${token}`);
  entry.approvedBy = user;
}

describe('GET /desktop', () => {
  it('explains the flow and offers to create a token, with an empty list', async () => {
    const res = await request(app).get('/desktop').expect(200);
    expect(res.text).toContain('Create a token');
    expect(res.text).toContain('action="/auth/desktop/token"');
    expect(tokenIds(res.text)).toEqual([]);
    expect(fake.requests).toHaveLength(0);
  });
});

describe('POST /auth/desktop/token', () => {
  it('gets a token with one signed auth.getToken and lists it as new, without showing the token', async () => {
    const { id, token, list } = await createToken();
    const calls = fake.calls('auth.getToken');
    expect(calls).toHaveLength(1);
    expect(calls[0]?.signatureValid).toBe(true);
    expect(calls[0]?.params.api_key).toBe(FAKE_API_KEY);
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(statuses(list.text)).toEqual(['New']);
    expect(list.text).toContain(`href="/auth/desktop/authorize/${id}" target="_blank" rel="noopener"`);
    expect(list.text).toContain('Authorize on Last.fm');
    expect(list.text).toContain('Get session');
    expect(list.text).not.toContain(token);
  });

  it('refuses a request without the CSRF token and makes no call', async () => {
    await request.agent(app).post('/auth/desktop/token').type('form').send({}).expect(403);
    expect(fake.requests).toHaveLength(0);
  });

  it('keeps at most 10 tokens, newest first, and forgets the oldest', async () => {
    const agent = request.agent(app);
    const first = await createToken(agent);
    const ids = [first.id];
    for (let i = 0; i < 10; i += 1) {
      clock += 1000;
      ids.push((await createToken(agent)).id);
    }
    const page = await agent.get('/desktop').expect(200);
    expect(tokenIds(page.text)).toEqual(ids.slice(1).reverse());
    await agent.get(`/auth/desktop/authorize/${first.id}`).expect(404);
  });

  it.each([
    [11, 503, '/desktop'],
    [10, 502, '/'],
    [29, 429, '/desktop'],
  ])('shows a %i from auth.getToken as a %i page leading to %s, and lists nothing', async (code, status, next) => {
    const agent = request.agent(app);
    const page = await agent.get('/desktop');
    fake.replyNextError(code, 'nope');
    const res = await agent.post('/auth/desktop/token').type('form').send({ _csrf: csrfFrom(page.text) }).expect(status);
    expect(res.text).toContain(`class="button" href="${next}"`);
    expect(tokenIds((await agent.get('/desktop')).text)).toEqual([]);
  });
});

describe('GET /auth/desktop/authorize/:token', () => {
  it('redirects to the authorize page with the API key and the token, and marks it sent', async () => {
    const { agent, id, token } = await createToken();
    const location = await openAuthorize(agent, id);
    expect(`${location.origin}${location.pathname}`).toBe(fake.authUrl);
    expect(location.searchParams.get('api_key')).toBe(FAKE_API_KEY);
    expect(location.searchParams.get('token')).toBe(token);
    expect(location.searchParams.has('cb')).toBe(false);
    expect(statuses((await agent.get('/desktop')).text)).toEqual(['Sent for approval']);
  });

  it('answers 404 for another browser\'s token, a raw Last.fm token, or nonsense, without calling Last.fm', async () => {
    const mine = await createToken();
    const theirs = request.agent(app);
    await theirs.get('/desktop');
    const before = fake.requests.length;
    const res = await theirs.get(`/auth/desktop/authorize/${mine.id}`).expect(404);
    expect(res.text).toContain('not in this browser');
    await theirs.get(`/auth/desktop/authorize/${mine.token}`).expect(404);
    await mine.agent.get(`/auth/desktop/authorize/${mine.token}`).expect(404);
    await mine.agent.get('/auth/desktop/authorize/%3Cscript%3E').expect(404);
    expect(fake.requests).toHaveLength(before);
  });
});

describe('POST /auth/desktop/session', () => {
  it('14 keeps the token and says it is not approved yet; after approval it signs in as the web flow does', async () => {
    const { agent, id, token, csrf } = await createToken();
    await openAuthorize(agent, id);

    const early = await agent.post('/auth/desktop/session').type('form').send({ _csrf: csrf, id }).expect(303);
    expect(early.headers.location).toBe('/desktop');
    const answer = await agent.get('/desktop').expect(200);
    expect(answer.text).toContain('not approved yet: approve it on Last.fm, then try again');
    expect(tokenIds(answer.text)).toEqual([id]);
    expect(statuses(answer.text)).toEqual(['Sent for approval']);
    expect((await agent.get('/')).text).not.toContain('Hello,');

    approve(token, 'rj');
    const before = sessionCookie(early, config.session.cookieName) ?? '';
    const done = await agent.post('/auth/desktop/session').type('form').send({ _csrf: csrf, id }).expect(303);
    expect(done.headers.location).toBe('/');
    const after = sessionCookie(done, config.session.cookieName);
    expect(after).toBeDefined();
    expect(after).not.toBe(before);

    const calls = fake.calls('auth.getSession');
    expect(calls).toHaveLength(2);
    expect(calls.every((call) => call.signatureValid && call.params.token === token)).toBe(true);

    expect((await agent.get('/')).text).toContain('Hello, rj');
    const list = await agent.get('/desktop').expect(200);
    expect(statuses(list.text)).toEqual(['Used']);
    expect(tokenIds(list.text)).toEqual([]);
  });

  it('answers "Get session" before approval with post/redirect/get: the token stays new, and a reload asks nothing again', async () => {
    const { agent, id, csrf } = await createToken();
    const early = await agent.post('/auth/desktop/session').type('form').send({ _csrf: csrf, id }).expect(303);
    expect(early.headers.location).toBe('/desktop');
    const answer = await agent.get('/desktop').expect(200);
    expect(answer.text).toContain('data-testid="notice"');
    expect(answer.text).toContain('not approved yet');
    // Never sent to Last.fm's page, so not "Sent for approval".
    expect(statuses(answer.text)).toEqual(['New']);
    // What a reload does now: the list again, the answer shown once, and no second call.
    const reloaded = await agent.get('/desktop').expect(200);
    expect(reloaded.text).not.toContain('data-testid="notice"');
    expect(statuses(reloaded.text)).toEqual(['New']);
    expect(fake.calls('auth.getSession')).toHaveLength(1);
  });

  it('signs in on a double click: both requests share one exchange, and neither undoes the sign-in', async () => {
    const { agent, id, token, csrf } = await createToken();
    await openAuthorize(agent, id);
    approve(token, 'rj');
    const clicks = await Promise.all([0, 1].map(() => agent.post('/auth/desktop/session').type('form').send({ _csrf: csrf, id })));
    expect(clicks.map((click) => [click.status, click.headers.location])).toEqual([
      [303, '/'],
      [303, '/'],
    ]);
    expect(fake.calls('auth.getSession')).toHaveLength(1);
    for (const click of clicks) {
      const cookie = sessionCookie(click, config.session.cookieName) ?? '';
      expect((await request(app).get('/').set('Cookie', `${config.session.cookieName}=${cookie}`)).text).toContain('Hello, rj');
    }
    expect((await agent.get('/')).text).toContain('Hello, rj');
  });

  it('refuses a used token without asking Last.fm again', async () => {
    const { agent, id, token, csrf } = await createToken();
    approve(token);
    await agent.post('/auth/desktop/session').type('form').send({ _csrf: csrf, id }).expect(303);
    const csrfAfter = csrfFrom((await agent.get('/desktop')).text);
    const again = await agent.post('/auth/desktop/session').type('form').send({ _csrf: csrfAfter, id }).expect(400);
    expect(again.text).toContain('already used');
    await agent.get(`/auth/desktop/authorize/${id}`).expect(400);
    expect(fake.calls('auth.getSession')).toHaveLength(1);
  });

  it('15 from Last.fm marks the token expired', async () => {
    const { agent, id, token, csrf } = await createToken();
    const entry = issued.get(token);
    if (entry !== undefined) entry.expired = true;
    await agent.post('/auth/desktop/session').type('form').send({ _csrf: csrf, id }).expect(303);
    const res = await agent.get('/desktop').expect(200);
    expect(res.text).toContain('This token has expired');
    expect(statuses(res.text)).toEqual(['Expired']);
    expect(tokenIds(res.text)).toEqual([]);
    await agent.post('/auth/desktop/session').type('form').send({ _csrf: csrf, id }).expect(400);
    expect(fake.calls('auth.getSession')).toHaveLength(1);
  });

  it('shows a token as expired after 60 minutes and refuses it without calling Last.fm', async () => {
    const { agent, id, token, csrf } = await createToken();
    approve(token);
    clock += 60 * 60 * 1000;
    expect(statuses((await agent.get('/desktop')).text)).toEqual(['New']);
    clock += 1;
    expect(statuses((await agent.get('/desktop')).text)).toEqual(['Expired']);
    const res = await agent.post('/auth/desktop/session').type('form').send({ _csrf: csrf, id }).expect(400);
    expect(res.text).toContain('expired');
    await agent.get(`/auth/desktop/authorize/${id}`).expect(400);
    expect(fake.calls('auth.getSession')).toHaveLength(0);
  });

  it('answers 404 for another browser\'s token and never exchanges it', async () => {
    const mine = await createToken();
    approve(mine.token);
    const theirs = request.agent(app);
    const csrf = csrfFrom((await theirs.get('/desktop')).text);
    await theirs.post('/auth/desktop/session').type('form').send({ _csrf: csrf, id: mine.id }).expect(404);
    await theirs.post('/auth/desktop/session').type('form').send({ _csrf: csrf, id: mine.token }).expect(404);
    expect(fake.calls('auth.getSession')).toHaveLength(0);
    expect((await theirs.get('/')).text).not.toContain('Hello,');
  });

  it('refuses a missing or repeated token field with a 400', async () => {
    const { agent, id, csrf } = await createToken();
    const missing = await agent.post('/auth/desktop/session').type('form').send({ _csrf: csrf }).expect(400);
    expect(missing.text).toContain('No token chosen');
    await agent.post('/auth/desktop/session').type('form').send(`_csrf=${encodeURIComponent(csrf)}&id=${id}&id=${id}`).expect(400);
    expect(fake.calls('auth.getSession')).toHaveLength(0);
  });

  it.each([
    [4, 400, 'does not know this token', '/desktop'],
    [29, 429, 'slow down', '/desktop'],
    [11, 503, 'try again', '/desktop'],
    [13, 502, 'problem with this app', '/'],
  ])('maps Last.fm error %i to a %i page with the right way on', async (code, status, text, next) => {
    const { agent, id, csrf } = await createToken();
    fake.replyNextError(code, 'refused', 403);
    const res = await agent.post('/auth/desktop/session').type('form').send({ _csrf: csrf, id }).expect(status);
    expect(res.text).toContain(text);
    expect(res.text).toContain(`class="button" href="${next}"`);
    expect((await agent.get('/')).text).not.toContain('Hello,');
  });

  it('answers JSON clients with JSON for "not approved yet" and still keeps the token', async () => {
    const { agent, id, token, csrf } = await createToken();
    const res = await agent.post('/auth/desktop/session').set('Accept', 'application/json').send({ _csrf: csrf, id }).expect(409);
    expect((res.body as { error: { message: string } }).error.message).toContain('not approved yet');
    approve(token);
    await agent.post('/auth/desktop/session').set('Accept', 'application/json').send({ _csrf: csrf, id }).expect(204);
  });

  it('refuses without the CSRF token', async () => {
    const { agent, id, token } = await createToken();
    approve(token);
    await agent.post('/auth/desktop/session').type('form').send({ id }).expect(403);
    expect(fake.calls('auth.getSession')).toHaveLength(0);
  });
});

describe('secrets', () => {
  it('never put the session key, the shared secret or the Last.fm token in a page, cookie or log line', async () => {
    const { agent, id, token, csrf, list } = await createToken();
    const responses = [list];
    responses.push(await agent.post('/auth/desktop/session').type('form').send({ _csrf: csrf, id }));
    approve(token);
    responses.push(await agent.post('/auth/desktop/session').type('form').send({ _csrf: csrf, id }));
    responses.push(await agent.get('/'), await agent.get('/desktop'));
    const key = [...fake.sessionKeys.keys()][0] ?? '';
    expect(key).not.toBe('');
    for (const res of responses) {
      const everything = JSON.stringify(res.headers) + res.text;
      expect(everything).not.toContain(key);
      expect(everything).not.toContain(token);
      expect(everything).not.toContain(FAKE_SECRET);
    }
    expect(logs.text).not.toContain(key);
    expect(logs.text).not.toContain(token);
  });
});

describe('start page', () => {
  it('keeps the web sign-in button first and links to the desktop and password flows, one line each', async () => {
    const res = await request(app).get('/').expect(200);
    const web = res.text.indexOf('class="button" href="/auth/login"');
    expect(web).toBeGreaterThan(-1);
    expect(res.text.indexOf('href="/desktop"')).toBeGreaterThan(web);
    expect(res.text.indexOf('href="/auth/mobile"')).toBeGreaterThan(web);
    expect(res.text).toContain('When Last.fm cannot send this browser back here');
    expect(res.text).toContain('Only when you cannot open Last.fm');
  });
});

describe('under a sub-path', () => {
  it('keeps every link, form and redirect of both flows under PUBLIC_URL\'s path', async () => {
    ({ app } = buildApp(fakeConfig(fake, { PUBLIC_URL: 'http://127.0.0.1:3999/lastfm/' }), { now: () => clock }));
    const agent = request.agent(app);
    const page = await agent.get('/lastfm/desktop').expect(200);
    expect(page.text).toContain('action="/lastfm/auth/desktop/token"');
    const created = await agent.post('/lastfm/auth/desktop/token').type('form').send({ _csrf: csrfFrom(page.text) }).expect(303);
    expect(created.headers.location).toBe('/lastfm/desktop#tokens');
    const list = await agent.get('/lastfm/desktop').expect(200);
    const id = tokenIds(list.text)[0] ?? '';
    expect(list.text).toContain(`href="/lastfm/auth/desktop/authorize/${id}"`);
    expect(list.text).toContain('action="/lastfm/auth/desktop/session"');
    approve([...issued.keys()][0] ?? '');
    const done = await agent.post('/lastfm/auth/desktop/session').type('form').send({ _csrf: csrfFrom(list.text), id }).expect(303);
    expect(done.headers.location).toBe('/lastfm/');

    const mobile = await request(app).get('/lastfm/auth/mobile').expect(200);
    expect(mobile.text).toContain('action="/lastfm/auth/mobile"');
    expect(mobile.text).toContain('href="/lastfm/auth/login"');
    const home = await request(app).get('/lastfm/').expect(200);
    expect(home.text).toContain('href="/lastfm/desktop"');
    expect(home.text).toContain('href="/lastfm/auth/mobile"');
  });
});
