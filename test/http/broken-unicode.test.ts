import { buildApp, fakeConfig } from '../helpers/app';
import { instantClock, signedInAgent, teachAccountMethods } from '../helpers/account';
import { FakeLastfm } from '../helpers/fake-lastfm';

/*
 * Text that is not well-formed Unicode (a lone surrogate, which JSON's "\udc00" gives) is refused
 * at the door with a 400 in the form's words, and nothing is queued or sent: one such scrobble
 * once stopped every delivery on Redis.
 */

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

const CASES: [string, Record<string, unknown>, RegExp][] = [
  ['/track/scrobble', { artist: 'M', track: '\udc00' }, /^Track contains a broken character/],
  ['/track/scrobble', { artist: 'Bj\ud800rk', track: 'Jóga' }, /^Artist contains a broken character/],
  ['/track/love', { artist: 'M', track: 'a\udfffb' }, /^Track contains a broken character/],
  ['/track/scrobble-batch', { lines: 'A - B\nM - \udc00' }, /^The list of tracks contains a broken character/],
  ['/tags/add', { type: 'artist', artist: 'M', tags: 'x\ud83d' }, /^Tags contains a broken character/],
];

it.each(CASES)('POST %s with a lone surrogate gets a 400 that names the field, and nothing reaches Last.fm or the outbox', async (path, fields, words) => {
  const { agent, csrf } = await signedInAgent(app, fake);
  const callsBefore = fake.requests.length;
  const res = await agent.post(path).set('Accept', 'application/json').send({ _csrf: csrf, ...fields }).expect(400);
  expect(JSON.stringify(res.body)).toMatch(/broken character/);
  expect((res.body as { error?: { message?: string } }).error?.message ?? '').toMatch(words);
  expect(fake.requests.length).toBe(callsBefore);
  const outbox = await agent.get('/track/scrobbles').set('Accept', 'application/json').expect(200);
  expect(outbox.body).toMatchObject({ waiting: 0 });
});

it('the same refusal on the HTML form shows the home page again with the message, not an error page', async () => {
  const { agent, csrf } = await signedInAgent(app, fake);
  const res = await agent.post('/track/scrobble').send({ _csrf: csrf, artist: 'M', track: '\udc00' });
  expect(res.status).toBe(400);
  expect(res.text).toContain('Track contains a broken character');
});

it('well-formed text from any script, astral characters included, is taken as before', async () => {
  const { agent, csrf } = await signedInAgent(app, fake);
  await agent.post('/track/scrobble').set('Accept', 'application/json').send({ _csrf: csrf, artist: 'Björk 東京事変', track: '𝄞 Jóga 😀' }).expect(200);
  expect(fake.calls('track.scrobble')[0]?.params).toMatchObject({ 'artist[0]': 'Björk 東京事変', 'track[0]': '𝄞 Jóga 😀' });
});
