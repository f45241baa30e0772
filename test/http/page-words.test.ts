import request from 'supertest';
import { buildApp, fakeConfig } from '../helpers/app';
import { signedInAgent, teachAccountMethods } from '../helpers/account';
import { FakeLastfm, type MethodHandler } from '../helpers/fake-lastfm';

/*
 * What a person reads, and how a refused form comes back: in the form's words, marked on the
 * field, without Last.fm's error numbers, and saying what really happens.
 */
jest.setTimeout(30_000);

let fake: FakeLastfm;
let app: ReturnType<typeof buildApp>['app'];
/** Answers 11 to every scrobble while set. */
let down: boolean;
let refuseWith6: boolean;

const answerScrobble: MethodHandler = (params) => {
  if (down) return [503, { error: 11, message: 'Service Offline - This service is temporarily offline. Try again later.' }];
  if (refuseWith6) return [400, { error: 6, message: 'Invalid parameters - Your request is missing a required parameter' }];
  return [200, { scrobbles: { scrobble: { artist: { '#text': params['artist[0]'] }, track: { '#text': params['track[0]'] }, timestamp: params['timestamp[0]'], ignoredMessage: { code: '0', '#text': '' } }, '@attr': { accepted: 1, ignored: 0 } } }];
};

beforeEach(async () => {
  fake = await new FakeLastfm().start();
  teachAccountMethods(fake);
  down = false;
  refuseWith6 = false;
  fake.onMethod('track.scrobble', answerScrobble);
  ({ app } = buildApp(fakeConfig(fake, { LASTFM_RATE_LIMIT: '50' }), { outboxTiming: { answerWaitMs: 300, backoff: { baseMs: 50, maxMs: 100 }, pollMs: 20 } }));
});

afterEach(async () => {
  await fake.stop();
});

const titleOf = (html: string): string => /<title>([^<]*)<\/title>/.exec(html)?.[1] ?? '';

describe('a refused form', () => {
  it('comes back titled "Error:", its refused field marked invalid and tied to the message, and the form posts to its message\'s place on the page', async () => {
    const { agent, csrf } = await signedInAgent(app, fake);
    const res = await agent.post('/track/scrobble').type('form').send({ _csrf: csrf, artist: 'Björk', track: '' }).expect(400);
    expect(titleOf(res.text)).toBe('Error: Scrobble a track was not sent · Sign in with Last.fm');
    // The form posts to #scrobble-error: the browser opens the answer on the message and focuses it.
    expect(res.text).toContain('<p id="scrobble-error" class="form-error" role="alert" tabindex="-1" data-testid="form-error">Track is required.</p>');
    expect(res.text).toMatch(/<input name="track" required maxlength="256" value="" aria-invalid="true" aria-describedby="scrobble-error">/);
    // Only the refused field: the artist typed is kept and not marked.
    expect(res.text).toMatch(/<input name="artist" required maxlength="256" value="Björk">/);
    expect(res.text.match(/aria-invalid/g)).toHaveLength(1);
    expect(res.text).toContain('action="/track/scrobble#scrobble-error"');
  });

  it('that names no field of the form (too much to send) still comes back as the form with its message', async () => {
    const { agent, csrf } = await signedInAgent(app, fake);
    const res = await agent.post('/track/scrobble').type('form').send({ _csrf: csrf, artist: 'a'.repeat(40_000), track: 'b' }).expect(413);
    expect(res.text).toContain('<p id="scrobble-error" class="form-error" role="alert" tabindex="-1" data-testid="form-error">That was more than this form can send at once.</p>');
    expect(res.text).not.toContain('aria-invalid');
  });

  it('marks the picker when the time its script sent is refused', async () => {
    const { agent, csrf } = await signedInAgent(app, fake);
    const res = await agent.post('/track/scrobble').type('form').send({ _csrf: csrf, artist: 'a', track: 'b', timestamp: 'soon' }).expect(400);
    expect(res.text).toMatch(/<input type="datetime-local" name="playedAt" value="" aria-invalid="true" aria-describedby="scrobble-error">/);
  });

  it('with a file over the size limit comes back as the form (413) with the limit beside it, not a separate error page', async () => {
    const { agent, csrf } = await signedInAgent(app, fake);
    const res = await agent.post('/track/scrobble-batch').field('_csrf', csrf).attach('file', Buffer.alloc(600 * 1024, 'a'), 'plays.txt').expect(413);
    expect(titleOf(res.text)).toBe('Error: Scrobble a batch was not sent · Sign in with Last.fm');
    expect(res.text).toContain('id="batch-form"');
    expect(res.text).toContain('<p id="scrobble-batch-error" class="form-error" role="alert" tabindex="-1" data-testid="form-error">A batch file may be at most 512 KB (1,000 lines).</p>');
    expect(res.text).toMatch(/<input type="file" name="file"[^>]* aria-invalid="true" aria-describedby="scrobble-batch-error">/);
    // Scripts still get the error as JSON.
    const json = await agent.post('/track/scrobble-batch').set('Accept', 'application/json').field('_csrf', csrf).attach('file', Buffer.alloc(600 * 1024, 'a'), 'plays.txt').expect(413);
    expect((json.body as { error: { title: string } }).error.title).toBe('That file is too large');
  });

  it('a binary file is said not to be a text file', async () => {
    const { agent, csrf } = await signedInAgent(app, fake);
    const res = await agent.post('/track/scrobble-batch').field('_csrf', csrf).attach('file', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00, 0x08, 0x00]), 'plays.txt').expect(400);
    expect(res.text).toContain('The file is not a text file: save the list as .txt or .csv (plain text) and choose that.');
    expect(res.text).not.toContain('control characters');
  });

  it('names a bad batch line as "Line N of the list"', async () => {
    const { agent, csrf } = await signedInAgent(app, fake);
    const res = await agent.post('/track/scrobble-batch').type('form').send({ _csrf: csrf, lines: 'a - b\nno dash' }).expect(400);
    expect(res.text).toContain('Line 2 of the list must look like');
    expect(res.text).not.toContain('The list of tracks line');
  });
});

describe('after an action', () => {
  it('lands on the message, which is a status for a success and has a look of its own for "saved, waiting for Last.fm"', async () => {
    const { agent, csrf } = await signedInAgent(app, fake);
    const done = await agent.post('/track/scrobble').type('form').send({ _csrf: csrf, artist: 'a', track: 'b' }).expect(303);
    expect(done.headers.location).toBe('/#message');
    expect((await agent.get('/').expect(200)).text).toContain('<div id="message" class="flash flash-success" role="status" tabindex="-1" data-testid="flash">');
    down = true;
    await agent.post('/track/scrobble').type('form').send({ _csrf: csrf, artist: 'a', track: 'c' }).expect(303);
    const home = (await agent.get('/').expect(200)).text;
    expect(home).toContain('<div id="message" class="flash flash-queued" role="status"');
    expect(home).toContain('Saved: Last.fm is not answering just now, so 1 scrobble waits here and will be sent when it answers.');
  });
});

describe('the scrobble list', () => {
  it('says once, above the list and without error numbers, why scrobbles wait and when the next try is; the JSON keeps the code', async () => {
    const { agent, csrf } = await signedInAgent(app, fake);
    down = true;
    for (const track of ['one', 'two', 'three']) await agent.post('/track/scrobble').type('form').send({ _csrf: csrf, artist: 'a', track }).expect(303);
    const home = (await agent.get('/').expect(200)).text;
    expect(home).toContain('<p class="flash flash-queued" data-testid="outbox-why">Last.fm is having trouble. The next try is within a minute, and scrobbles wait here until Last.fm takes them.</p>');
    expect(home.match(/Last.fm is having trouble/g)).toHaveLength(1);
    expect(home).not.toMatch(/error \d+/);
    const json = (await agent.get('/track/scrobbles').set('Accept', 'application/json').expect(200)).body as { scrobbles: { reason: string }[] };
    expect(json.scrobbles[0]?.reason).toBe('Last.fm is having trouble (error 11); it will be tried again');
  });

  it('gives a refused scrobble Last.fm\'s words without its error number', async () => {
    const { agent, csrf } = await signedInAgent(app, fake);
    refuseWith6 = true;
    await agent.post('/track/scrobble').type('form').send({ _csrf: csrf, artist: 'a', track: 'refused' }).expect(303);
    const home = (await agent.get('/').expect(200)).text;
    expect(home).toContain('failed: Last.fm refused it: Invalid parameters - Your request is missing a required parameter');
    expect(home).not.toMatch(/error \d+/);
  });
});

describe('the batch form', () => {
  it('says how lines without a time are placed', async () => {
    const { agent } = await signedInAgent(app, fake);
    expect((await agent.get('/').expect(200)).text).toContain('Lines without a time are placed 3 minutes apart, the last one now and the others before it.');
  });
});

describe('the welcome page', () => {
  it('offers password sign-in only where it is switched on, and says why it is off elsewhere', async () => {
    expect((await request(app).get('/').expect(200)).text).toContain('>Sign in with your password</a>');
    const off = buildApp(fakeConfig(fake, { PUBLIC_URL: 'http://lastfm.example.com/' })).app;
    const page = (await request(off).get('/').expect(200)).text;
    expect(page).not.toContain('href="/auth/mobile"');
    expect(page).toContain('Sign in with your password: switched off here');
    expect(page).toContain('would cross the network in clear');
  });
});

describe('the setup page', () => {
  it('says who is signed in in this browser, and no one for a browser without a session', async () => {
    const { agent } = await signedInAgent(app, fake);
    expect((await agent.get('/setup').expect(200)).text).toContain('<dd data-testid="signed-in-as">as <strong>rj</strong>, in this browser</dd>');
    const stranger = await request(app).get('/setup').expect(200);
    expect(stranger.text).toContain('<dd data-testid="signed-in-as">no one, in this browser</dd>');
    expect(stranger.headers['set-cookie']).toBeUndefined();
  });

  it('at another host than PUBLIC_URL\'s, says that sign-in moves there rather than that it fails', async () => {
    const res = await request(app).get('/setup').set('Host', '127.0.0.1:9').set('Accept', 'application/json').expect(200);
    const warning = (res.body as { warnings: { code: string; message: string }[] }).warnings.find((w) => w.code === 'host-mismatch');
    expect(warning?.message).toContain('"Sign in with Last.fm" still works: it first moves the browser to');
    expect(warning?.message).not.toContain('sign-in fails');
  });
});
