import request from 'supertest';
import { buildApp, csrfFrom, fakeConfig } from '../helpers/app';
import { FakeLastfm } from '../helpers/fake-lastfm';

/**
 * Sign-in requests that call Last.fm have a rate per address (SIGN_IN_CALLS_PER_MINUTE, default
 * 10: ten at once, then one every 6 s), so nobody can spend the app's Last.fm budget on made-up
 * sign-ins. The addresses come from X-Forwarded-For under TRUST_PROXY=loopback.
 */
let fake: FakeLastfm;

beforeEach(async () => {
  fake = await new FakeLastfm().start();
});

afterEach(async () => {
  await fake.stop();
});

function appFor(env: Record<string, string> = {}) {
  return buildApp(fakeConfig(fake, { TRUST_PROXY: 'loopback', ...env })).app;
}

/** A callback with a state started by this agent and a made-up token of Last.fm's shape. */
async function madeUpCallback(app: ReturnType<typeof appFor>, address: string, accept = 'text/html') {
  const agent = request.agent(app);
  const started = await agent.get('/auth/login').set('X-Forwarded-For', address).expect(303);
  const state = new URL(new URL(started.headers.location as string).searchParams.get('cb') ?? '').searchParams.get('state') ?? '';
  return agent.get(`/auth/callback?state=${state}&token=${'f'.repeat(32)}`).set('X-Forwarded-For', address).set('Accept', accept);
}

describe('sign-in requests that call Last.fm, per address', () => {
  it('lets an address make 10 callbacks at once, then answers 429 in words with Retry-After, without calling Last.fm; another address still goes', async () => {
    // A budget this wide makes the ten allowed calls quick; the rate per address is the default.
    const app = appFor({ LASTFM_RATE_LIMIT: '50' });
    for (let i = 0; i < 10; i += 1) expect((await madeUpCallback(app, '203.0.113.7')).status).not.toBe(429);
    const calls = fake.calls('auth.getSession').length;
    expect(calls).toBe(10);

    const refused = await madeUpCallback(app, '203.0.113.7');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(6);
    expect(refused.headers['content-type']).toMatch(/^text\/html/);
    expect(refused.text).toContain('Too many sign-in requests');
    expect(refused.text).toMatch(/Try again in \d seconds?\./);

    const json = await madeUpCallback(app, '203.0.113.7', 'application/json');
    expect(json.status).toBe(429);
    expect(json.body as unknown).toEqual({ error: expect.objectContaining({ status: 429, title: 'Too many sign-in requests' }) as unknown });
    expect(fake.calls('auth.getSession')).toHaveLength(calls);

    expect((await madeUpCallback(app, '203.0.113.8')).status).not.toBe(429);
  });

  it('counts desktop tokens against the same rate, and the limit is SIGN_IN_CALLS_PER_MINUTE', async () => {
    fake.onMethod('auth.getToken', () => [200, { token: 'a'.repeat(32) }]);
    const app = appFor({ SIGN_IN_CALLS_PER_MINUTE: '2' });
    const agent = request.agent(app);
    const page = await agent.get('/desktop').set('X-Forwarded-For', '198.51.100.1').expect(200);
    const csrf = csrfFrom(page.text);
    const statuses: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      statuses.push((await agent.post('/auth/desktop/token').set('X-Forwarded-For', '198.51.100.1').type('form').send({ _csrf: csrf })).status);
    }
    expect(statuses).toEqual([303, 303, 429]);
    expect(fake.calls('auth.getToken')).toHaveLength(2);
  });
});
