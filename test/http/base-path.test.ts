import request from 'supertest';
import { loadConfig } from '../../src/config';
import { buildApp, TEST_SESSION_SECRET } from '../helpers/app';

const config = loadConfig({ NODE_ENV: 'test', PUBLIC_URL: 'http://127.0.0.1:3999/lastfm/', SESSION_SECRET: TEST_SESSION_SECRET });

describe('PUBLIC_URL with a sub-path, asked for without its trailing slash', () => {
  it('redirects /lastfm to /lastfm/ instead of failing with a 500, and the page is there', async () => {
    const { app, logs } = buildApp(config);
    const bare = await request(app).get('/lastfm').expect(301);
    expect(bare.headers.location).toBe('/lastfm/');
    const page = await request(app).get('/lastfm/').expect(200);
    expect(page.text).toContain('Sign in with Last.fm');
    expect(logs.text).not.toContain('"level":50');
  });

  it('keeps the query string, and leaves longer paths that merely start the same alone', async () => {
    const { app } = buildApp(config);
    expect((await request(app).get('/lastfm?from=bookmark').expect(301)).headers.location).toBe('/lastfm/?from=bookmark');
    await request(app).get('/lastfmx').expect(404);
  });
});
