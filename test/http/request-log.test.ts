import request from 'supertest';
import { buildApp, fakeConfig, sessionCookie } from '../helpers/app';
import { FakeLastfm } from '../helpers/fake-lastfm';

let fake: FakeLastfm;

beforeEach(async () => {
  fake = await new FakeLastfm().start();
});

afterEach(async () => {
  await fake.stop();
});

interface LogLine {
  level: number;
  msg: string;
  reqId?: string;
  req?: { method: string; url: string; ip: string };
  res?: { statusCode: number };
  responseTime?: number;
  lastfm?: { method: string; durationMs: number; outcome: string; code?: number; reason?: string };
}

const parse = (lines: string[]) => lines.map((line) => JSON.parse(line) as LogLine);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('request ids', () => {
  it('every response carries a fresh X-Request-Id, and the request\'s one log line has the same id', async () => {
    const { app, logs } = buildApp(fakeConfig(fake));
    const first = await request(app).get('/healthz').expect(200);
    const second = await request(app).get('/').expect(200);
    const ids = [first.headers['x-request-id'], second.headers['x-request-id']] as string[];
    expect(ids[0]).toMatch(UUID);
    expect(ids[1]).toMatch(UUID);
    expect(ids[0]).not.toBe(ids[1]);
    const requestLines = parse(logs.lines).filter((line) => line.req !== undefined);
    expect(requestLines.map((line) => [line.reqId, line.req?.method, line.req?.url, line.res?.statusCode])).toEqual([
      [ids[0], 'GET', '/healthz', 200],
      [ids[1], 'GET', '/', 200],
    ]);
    expect(typeof requestLines[0]?.responseTime).toBe('number');
  });

  it('keeps an incoming X-Request-Id that is a short safe token', async () => {
    const { app, logs } = buildApp(fakeConfig(fake));
    const res = await request(app).get('/healthz').set('X-Request-Id', 'edge-7f3a.9_B').expect(200);
    expect(res.headers['x-request-id']).toBe('edge-7f3a.9_B');
    expect(parse(logs.lines)[0]?.reqId).toBe('edge-7f3a.9_B');
  });

  it.each([
    ['too long', 'a'.repeat(65)],
    ['with spaces', 'two words'],
    ['JSON-looking', '{"level":60}'],
    ['starting with a dash', '-abc'],
  ])('replaces an incoming X-Request-Id that is %s with a fresh one', async (_what, incoming) => {
    const { app, logs } = buildApp(fakeConfig(fake));
    const res = await request(app).get('/healthz').set('X-Request-Id', incoming).expect(200);
    expect(res.headers['x-request-id']).toMatch(UUID);
    expect(logs.text).not.toContain(incoming);
  });

  it('shows the request id on error pages and in JSON errors, and logs it with the error', async () => {
    const { app, logs } = buildApp(fakeConfig(fake));
    const page = await request(app).get('/no-such-page').set('X-Request-Id', 'trace-404').expect(404);
    expect(page.text).toContain('Request id: <code data-testid="request-id">trace-404</code>');
    const json = await request(app).get('/no-such-page').set('Accept', 'application/json').expect(404);
    expect((json.body as { error: { requestId: string } }).error.requestId).toBe(json.headers['x-request-id']);

    fake.replyNext({ status: 503, body: 'down' });
    const agent = request.agent(app);
    const login = await agent.get('/auth/login').expect(303);
    const state = new URL(new URL(login.headers.location as string).searchParams.get('cb') ?? '').searchParams.get('state') ?? '';
    const failed = await agent.get(`/auth/callback?state=${state}&token=${fake.approveToken()}`).expect(503);
    const id = failed.headers['x-request-id'] as string;
    expect(failed.text).toContain(id);
    const lines = parse(logs.lines).filter((line) => line.reqId === id);
    // The failed Last.fm call, the error handler's line and the request's own line, all with one id.
    expect(lines.map((line) => [line.level, line.lastfm?.outcome, line.res?.statusCode])).toEqual([
      [40, 'unavailable', undefined],
      [40, undefined, undefined],
      [50, undefined, 503],
    ]);
  });
});

describe('what request log lines hold', () => {
  it('masks token and state in logged URLs and logs no headers, so no cookie', async () => {
    const { app, logs } = buildApp(fakeConfig(fake));
    const agent = request.agent(app);
    const login = await agent.get('/auth/login?returnTo=/after').expect(303);
    const cookie = sessionCookie(login, 'lastfm_signin.sid') ?? '';
    const state = new URL(new URL(login.headers.location as string).searchParams.get('cb') ?? '').searchParams.get('state') ?? '';
    const token = fake.approveToken('rj');
    await agent.get(`/auth/callback?state=${state}&token=${token}`).set('Authorization', 'Basic dXNlcjpwYXNz').expect(303);

    const urls = parse(logs.lines).flatMap((line) => (line.req === undefined ? [] : [line.req.url]));
    expect(urls).toEqual(['/auth/login?returnTo=/after', '/auth/callback?state=[redacted]&token=[redacted]']);
    expect(cookie).not.toBe('');
    for (const secret of [state, token, cookie, decodeURIComponent(cookie), 'dXNlcjpwYXNz', [...fake.sessionKeys.keys()][0] ?? 'no key']) {
      expect(logs.text).not.toContain(secret);
    }
  });
});

describe('Last.fm call log lines', () => {
  async function callback(app: ReturnType<typeof buildApp>['app']) {
    const agent = request.agent(app);
    const login = await agent.get('/auth/login').expect(303);
    const state = new URL(new URL(login.headers.location as string).searchParams.get('cb') ?? '').searchParams.get('state') ?? '';
    return agent.get(`/auth/callback?state=${state}&token=${fake.approveToken()}`);
  }

  const lastfmLines = (lines: string[]) => parse(lines).flatMap((line) => (line.lastfm === undefined ? [] : [line.lastfm]));

  it('logs method, duration and outcome of a successful call, with the id of the request that made it', async () => {
    const { app, logs } = buildApp(fakeConfig(fake));
    const res = await callback(app);
    const [line] = lastfmLines(logs.lines);
    expect(line).toMatchObject({ method: 'auth.getSession', outcome: 'ok' });
    expect(line?.durationMs).toBeGreaterThanOrEqual(0);
    expect(parse(logs.lines).find((entry) => entry.lastfm !== undefined)?.reqId).toBe(res.headers['x-request-id']);
  });

  it('logs Last.fm\'s error code when it refuses, as a warning', async () => {
    const { app, logs } = buildApp(fakeConfig(fake));
    fake.replyNextError(15, 'This token has expired');
    await callback(app);
    expect(lastfmLines(logs.lines)).toEqual([{ method: 'auth.getSession', durationMs: expect.any(Number) as number, outcome: 'lastfm-error', code: 15, httpStatus: 200 }]);
    expect(parse(logs.lines).find((line) => line.lastfm !== undefined)?.level).toBe(40);
  });

  it('logs why no usable answer came', async () => {
    const { app, logs } = buildApp(fakeConfig(fake));
    fake.replyNext({ status: 200, body: 'not json', contentType: 'text/html' });
    await callback(app);
    expect(lastfmLines(logs.lines)).toEqual([{ method: 'auth.getSession', durationMs: expect.any(Number) as number, outcome: 'unavailable', reason: 'not-json', httpStatus: 200 }]);
  });
});
