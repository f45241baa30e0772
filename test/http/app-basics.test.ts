import request from 'supertest';
import { loadConfig } from '../../src/config';
import { buildApp, TEST_SESSION_SECRET } from '../helpers/app';

const config = loadConfig({ NODE_ENV: 'test', PUBLIC_URL: 'http://127.0.0.1:3999/', SESSION_SECRET: TEST_SESSION_SECRET });
const { app } = buildApp(config);

describe('basics', () => {
  it('GET /healthz answers {"status":"ok"}', async () => {
    const res = await request(app).get('/healthz').expect(200).expect('Content-Type', /json/);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('signed-out home explains the app and links to sign-in, without starting a session', async () => {
    const res = await request(app).get('/').expect(200);
    expect(res.text).toContain('<a class="button" href="/auth/login">Sign in with Last.fm</a>');
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('unknown paths get a 404 page, escaped, and JSON for JSON clients', async () => {
    const res = await request(app).get('/<script>alert(1)</script>').expect(404);
    expect(res.text).toContain('Page not found');
    expect(res.text).not.toContain('<script>alert(1)</script>');
    const json = await request(app).get('/nope').set('Accept', 'application/json').expect(404);
    expect((json.body as { error: { title: string } }).error.title).toBe('Page not found');
  });

  it('serves assets from their folders and answers a missing one with a 404 page', async () => {
    await request(app).get('/css/app.css').expect(200).expect('Content-Type', /css/);
    await request(app).get('/images/favicon.svg').expect(200).expect('Content-Type', /svg/);
    const missing = await request(app).get('/css/nope.css').expect(404);
    expect(missing.text).toContain('Page not found');
  });

  it('sends a CSP that allows no inline script or style', async () => {
    const res = await request(app).get('/');
    const csp = res.headers['content-security-policy'] as string;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('names the session cookie its own way and makes it HttpOnly and SameSite=Lax', async () => {
    const res = await request(app).get('/auth/login').expect(303);
    const cookie = (res.headers['set-cookie'] as unknown as string[])[0] ?? '';
    expect(cookie.startsWith('lastfm_signin.sid=')).toBe(true);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Lax');
    expect(cookie).not.toContain('Secure');
  });

  it('refuses any POST without a CSRF token with a 403 page', async () => {
    const res = await request(app).post('/auth/logout').type('form').send('a=1').expect(403);
    expect(res.text).toContain('This form has expired');
  });

  it('answers an oversized or malformed body with a 4xx, not a 500', async () => {
    const agent = request.agent(app);
    await agent.get('/auth/login');
    await agent.post('/auth/logout').type('form').send(`x=${'a'.repeat(40_000)}`).expect(413);
    await agent.post('/auth/logout').set('Content-Type', 'application/json').send('{"broken":').expect(400);
  });
});
