import { MemoryStore } from 'express-session';
import request from 'supertest';
import { buildApp, csrfFrom, fakeConfig, type LogCapture } from '../helpers/app';
import { teachAccountMethods } from '../helpers/account';
import { FakeLastfm } from '../helpers/fake-lastfm';

/** A store whose destroy fails, once told to, with an error carrying something that must never be logged. */
class FailingDestroyStore extends MemoryStore {
  failing = false;
  override destroy(sid: string, callback?: (error?: unknown) => void): void {
    if (!this.failing) {
      super.destroy(sid, callback);
      return;
    }
    callback?.(Object.assign(new Error('session store offline: redis://app:hunter2@10.0.0.5:6379'), { connectionString: 'redis://app:hunter2@10.0.0.5:6379' }));
  }
}

let fake: FakeLastfm;

beforeEach(async () => {
  fake = await new FakeLastfm().start();
  teachAccountMethods(fake);
});

afterEach(async () => {
  await fake.stop();
});

interface LogLine {
  level: number;
  msg: string;
  status?: number;
  err?: unknown;
  failure?: { type?: string; message?: string; cause?: unknown };
}

const parsed = (logs: LogCapture): LogLine[] => logs.lines.map((line) => JSON.parse(line) as LogLine);

async function signedInAgent(app: ReturnType<typeof buildApp>['app']) {
  const agent = request.agent(app);
  const login = await agent.get('/auth/login').expect(303);
  const state = new URL(new URL(login.headers.location as string).searchParams.get('cb') ?? '').searchParams.get('state') ?? '';
  await agent.get(`/auth/callback?state=${state}&token=${fake.approveToken('rj')}`).expect(303);
  const home = await agent.get('/').expect(200);
  expect(home.text).toContain('Hello, rj');
  return { agent, csrf: csrfFrom(home.text) };
}

describe('logging of unexpected errors', () => {
  it('logs a store failure once, as a described failure, without the error object or its extra fields', async () => {
    const store = new FailingDestroyStore();
    const { app, logs } = buildApp(fakeConfig(fake), { sessionStore: store });
    const { agent, csrf } = await signedInAgent(app);
    store.failing = true;
    logs.lines.length = 0;

    // The session store wrapper turns any store error into a 503 "sessions are unavailable".
    const res = await agent.post('/auth/logout').type('form').send({ _csrf: csrf });
    expect(res.status).toBe(503);

    const problems = parsed(logs).filter((line) => JSON.stringify(line).includes('session store offline'));
    expect(problems).toHaveLength(1);
    const [line] = problems;
    expect(line?.status).toBe(503);
    expect(line?.err).toBeUndefined();
    expect(line?.failure).toEqual({ type: 'HttpError', message: expect.stringContaining('Sessions are unavailable') as unknown, cause: { type: 'Error', message: 'session store offline: redis://[redacted]@10.0.0.5:6379' } });
    expect(logs.text).not.toContain('hunter2');
    expect(logs.text).not.toContain('at FailingDestroyStore');
  });

  it('still renders the HTML error page when sign-out fails after the session was dropped', async () => {
    const store = new FailingDestroyStore();
    const { app, logs } = buildApp(fakeConfig(fake), { sessionStore: store });
    const { agent, csrf } = await signedInAgent(app);
    store.failing = true;
    logs.lines.length = 0;

    const res = await agent.post('/auth/logout').type('form').send({ _csrf: csrf });
    expect(res.status).toBe(503);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toContain('Sessions are unavailable');
    expect(parsed(logs).filter((line) => line.msg.includes('could not be rendered'))).toEqual([]);
  });

  it('logs at warn why the error page could not be rendered, and still answers in plain text', async () => {
    const { app, logs } = buildApp(fakeConfig(fake));
    // No templates: every error page render fails and the plain-text fallback answers.
    app.set('views', '/nonexistent-views');
    const res = await request(app).get('/nowhere').expect(404);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toContain('Page not found');

    const warning = parsed(logs).find((line) => line.level === 40 && line.msg.includes('could not be rendered'));
    expect(warning?.failure?.type).toBe('Error');
    expect(warning?.failure?.message).toContain('Failed to lookup view');
  });
});
