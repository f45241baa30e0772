import request from 'supertest';
import { buildApp, fakeConfig } from '../helpers/app';
import { instantClock, signedInAgent, teachAccountMethods } from '../helpers/account';
import { FakeLastfm } from '../helpers/fake-lastfm';

// Back after sign-out must not show a signed-in page or a form token from the browser's cache.
let fake: FakeLastfm;
let app: ReturnType<typeof buildApp>['app'];

beforeEach(async () => {
  fake = await new FakeLastfm().start();
  teachAccountMethods(fake);
  ({ app } = buildApp(fakeConfig(fake), { clock: instantClock() }));
});

afterEach(async () => {
  await fake.stop();
});

describe('Cache-Control: no-store', () => {
  it('is sent with every answer to a signed-in person: the home page (fresh and reused), JSON and error pages', async () => {
    const { agent } = await signedInAgent(app, fake);
    const fresh = await agent.get('/').expect(200);
    const reused = await agent.get('/').expect(200);
    const json = await agent.post('/track/love').set('Accept', 'application/json').send({}).expect(403);
    const missing = await agent.get('/nowhere').expect(404);
    for (const res of [fresh, reused, json, missing]) expect(res.headers['cache-control']).toBe('no-store');
  });

  it('is sent with signed-out pages that carry a form token', async () => {
    for (const path of ['/desktop', '/auth/mobile']) {
      const res = await request(app).get(path).expect(200);
      expect(res.text).toContain('name="_csrf"');
      expect(res.headers['cache-control']).toBe('no-store');
    }
  });

  it('is not sent with the signed-out home page or assets, which hold nothing private', async () => {
    const home = await request(app).get('/').expect(200);
    expect(home.text).not.toContain('name="_csrf"');
    expect(home.headers['cache-control']).toBeUndefined();
    expect((await request(app).get('/css/app.css').expect(200)).headers['cache-control']).not.toContain('no-store');
  });
});
