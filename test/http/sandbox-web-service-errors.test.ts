import request from 'supertest';
import { SANDBOX_API_KEY, SANDBOX_SHARED_SECRET, SandboxState } from 'lastfm-sign-in/testing';
import { loadConfig } from '../../src/config';
import { buildApp } from '../helpers/app';
import { expectedSignature } from '../helpers/fake-lastfm';
import { lfmError, parseLfm } from '../helpers/lastfm-xml';

function signed(params: Record<string, string>): Record<string, string> {
  const all = { api_key: SANDBOX_API_KEY, ...params };
  return { ...all, api_sig: expectedSignature(all, SANDBOX_SHARED_SECRET) };
}

let app: ReturnType<typeof buildApp>['app'];

beforeEach(() => {
  ({ app } = buildApp(loadConfig({ NODE_ENV: 'test', PUBLIC_URL: 'http://127.0.0.1:3999/' }), { sandboxState: new SandboxState() }));
});

/** Last.fm answers every web service failure in its own form, never as an HTML page that would hide the client's bug. */
function expectLastfmError(res: request.Response, status: number, code: number): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect((res.body as { error: unknown }).error).toBe(code);
  expect(typeof (res.body as { message: unknown }).message).toBe('string');
}

/** A body that cannot be read has no `format` to read either: Last.fm's default, XML. */
function expectXmlError(res: request.Response, status: number, code: number): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toBe('text/xml; charset=utf-8');
  expect(lfmError(res.text).code).toBe(code);
}

describe('sandbox web service: body problems answer in Last.fm form', () => {
  it('answers an oversized body with error 6 in XML', async () => {
    const res = await request(app).post('/sandbox/2.0/').type('form').send(`${new URLSearchParams({ ...signed({ method: 'auth.getToken' }), format: 'json' }).toString()}&pad=${'a'.repeat(300_000)}`);
    expectXmlError(res, 413, 6);
  });

  it('answers an unsupported charset with error 6 in XML', async () => {
    const res = await request(app)
      .post('/sandbox/2.0/')
      .set('Content-Type', 'application/x-www-form-urlencoded; charset=latin1')
      .send(new URLSearchParams({ ...signed({ method: 'auth.getToken' }), format: 'json' }).toString());
    expectXmlError(res, 415, 6);
  });
});

describe('sandbox web service: client bugs show', () => {
  it('refuses a POST that carries parameters in the query string with error 6', async () => {
    const res = await request(app).post('/sandbox/2.0/?format=json').type('form').send(signed({ method: 'auth.getToken' }));
    expectLastfmError(res, 200, 6);
    expect((res.body as { message: string }).message).toContain('query');
  });

  it('answers a GET or POST without format in XML, as Last.fm does, and the same call with format=json in JSON', async () => {
    for (const res of [await request(app).get('/sandbox/2.0/').query(signed({ method: 'auth.getToken' })), await request(app).post('/sandbox/2.0/').type('form').send(signed({ method: 'auth.getToken' }))]) {
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('text/xml; charset=utf-8');
      expect(parseLfm(res.text).root.token).toMatch(/^[0-9a-f]{32}$/);
    }
    const ok = await request(app).get('/sandbox/2.0/').query({ ...signed({ method: 'auth.getToken' }), format: 'json' }).expect(200);
    expect((ok.body as { token: string }).token).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe('sandbox authorize page keeps its own body limits', () => {
  it('refuses a form over 16 kB with a 413 page', async () => {
    const res = await request(app).post('/sandbox/api/auth/').type('form').send({ request: 'x', decision: 'allow', user: 'sandbox-ada', pad: 'a'.repeat(20_000) });
    expect(res.status).toBe(413);
    expect(res.text).toContain('That was too much to send');
  });

  it('refuses a form with more than 20 fields', async () => {
    const fields = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`f${i}`, 'x']));
    const res = await request(app).post('/sandbox/api/auth/').type('form').send({ request: 'x', ...fields });
    expect(res.status).toBe(413);
  });
});
