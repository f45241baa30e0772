import { buildApp, fakeConfig } from '../helpers/app';
import { instantClock, signedInAgent, teachAccountMethods, type FakeLibrary } from '../helpers/account';
import { FAKE_SECRET, FakeLastfm, expectedSignature } from '../helpers/fake-lastfm';

let fake: FakeLastfm;
let app: ReturnType<typeof buildApp>['app'];
let libraries: Map<string, FakeLibrary>;

beforeEach(async () => {
  fake = await new FakeLastfm().start();
  libraries = teachAccountMethods(fake);
  ({ app } = buildApp(fakeConfig(fake), { clock: instantClock() }));
});

afterEach(async () => {
  await fake.stop();
});

function bodyOf(method: string): Record<string, string> {
  const call = fake.calls(method)[0];
  expect(call?.httpMethod).toBe('POST');
  expect(call?.query).toEqual({});
  const body = Object.fromEntries(Object.entries(call?.body ?? {}).map(([k, v]) => [k, v[0] ?? '']));
  expect(body.api_sig).toBe(expectedSignature(body, FAKE_SECRET));
  return body;
}

describe('POST /tags/add', () => {
  it.each([
    ['artist', { artist: 'Sigur Rós' }, { artist: 'Sigur Rós' }],
    ['album', { artist: 'Björk', album: 'Homogenic', track: 'ignored for an album' }, { artist: 'Björk', album: 'Homogenic' }],
    ['track', { artist: 'AC/DC', track: 'T.N.T.' }, { artist: 'AC/DC', track: 'T.N.T.' }],
  ])('tags an %s with a signed POST to %s.addTags carrying only the fields it needs', async (type, fields, expected) => {
    const { agent, csrf, sessionKey } = await signedInAgent(app, fake);
    const res = await agent.post('/tags/add').type('form').send({ _csrf: csrf, type, ...fields, tags: ' post-rock, icelandic ,, post-rock, 東京 ' }).expect(303);
    expect(res.headers.location).toBe('/#message');
    const body = bodyOf(`${type}.addTags`);
    expect(body).toEqual({ ...expected, method: `${type}.addTags`, tags: 'post-rock,icelandic,東京', sk: sessionKey, api_key: body.api_key, api_sig: body.api_sig, format: 'json' });
    const home = await agent.get('/').expect(200);
    expect(home.text).toContain('Tagged');
    expect(home.text).toContain('post-rock, icelandic, 東京');
    // The page reads the tags again after the write, so they show at once.
    expect(home.text).toMatch(/Your tags[\s\S]*post-rock/);
  });

  it('answers JSON to a JSON client', async () => {
    const { agent, csrf } = await signedInAgent(app, fake);
    const res = await agent.post('/tags/add').set('Accept', 'application/json').send({ _csrf: csrf, type: 'artist', artist: 'Simon & Garfunkel', tags: 'folk' }).expect(200);
    expect(res.body).toMatchObject({ ok: true, tags: ['folk'], target: { type: 'artist', artist: 'Simon & Garfunkel' } });
    expect(libraries.get('rj')?.tags).toEqual(['folk']);
  });

  it('refuses more than 10 tags, naming the field, and keeps what was typed', async () => {
    const { agent, csrf } = await signedInAgent(app, fake);
    const tags = Array.from({ length: 11 }, (_, i) => `tag${i}`).join(',');
    const res = await agent.post('/tags/add').type('form').send({ _csrf: csrf, type: 'artist', artist: 'Björk', tags }).expect(400);
    const form = res.text.slice(res.text.indexOf('id="tags-add-heading"'), res.text.indexOf('id="tags-remove-heading"'));
    expect(form).toContain('Tags has 11 tags; at most 10');
    expect(fake.calls('artist.addTags')).toHaveLength(0);
    expect(form).toContain(`value="${tags}"`);
    expect(form).toContain('value="Björk"');
  });

  it.each([
    [{ type: 'album', artist: 'Björk' }, 'Album is required'],
    [{ type: 'track', artist: 'Björk' }, 'Track is required'],
    [{ type: 'label', artist: 'Björk' }, 'What to tag must be artist, album or track'],
    [{ type: 'artist' }, 'Artist is required'],
    [{ type: 'artist', artist: 'Björk', tags: ' , ' }, 'Tags is required'],
    [{ type: 'artist', artist: 'Björk', tags: 'x'.repeat(101) }, 'longer than 100 characters'],
  ])('refuses %j', async (fields, problem) => {
    const { agent, csrf } = await signedInAgent(app, fake);
    const res = await agent.post('/tags/add').type('form').send({ _csrf: csrf, tags: 'rock', ...fields }).expect(400);
    expect(res.text).toContain(problem);
    expect(fake.requests.filter((r) => r.params.method?.endsWith('.addTags'))).toHaveLength(0);
  });
});

describe('POST /tags/remove', () => {
  it('removes one tag with a signed POST to track.removeTag', async () => {
    const { agent, csrf, sessionKey } = await signedInAgent(app, fake);
    await agent.post('/tags/add').type('form').send({ _csrf: csrf, type: 'track', artist: 'AC/DC', track: 'T.N.T.', tags: 'rock,loud' }).expect(303);
    await agent.post('/tags/remove').type('form').send({ _csrf: csrf, type: 'track', artist: 'AC/DC', track: 'T.N.T.', tag: 'loud' }).expect(303);
    const body = bodyOf('track.removeTag');
    expect(body).toMatchObject({ artist: 'AC/DC', track: 'T.N.T.', tag: 'loud', sk: sessionKey });
    expect(libraries.get('rj')?.tags).toEqual(['rock']);
    expect((await agent.get('/')).text).toContain('Removed the tag &#34;loud&#34; from AC/DC – T.N.T..');
  });

  it('refuses a missing tag', async () => {
    const { agent, csrf } = await signedInAgent(app, fake);
    const res = await agent.post('/tags/remove').set('Accept', 'application/json').send({ _csrf: csrf, type: 'artist', artist: 'Björk' }).expect(400);
    expect((res.body as { error: { message: string } }).error.message).toBe('Tag is required.');
  });
});
