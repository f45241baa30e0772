import request from 'supertest';
import { buildApp, fakeConfig } from '../helpers/app';
import { signedInAgent, teachAccountMethods } from '../helpers/account';
import { FakeLastfm, type MethodHandler } from '../helpers/fake-lastfm';

/*
 * The outbox against the fake Last.fm, in memory: what a person is told at once, what waits while
 * Last.fm is down, what is held for a new key, what fails for good, and a 1,000-line file.
 */
jest.setTimeout(30_000);

interface Delivered {
  artist: string;
  track: string;
  timestamp: number;
  sk: string;
  call: number;
}

let fake: FakeLastfm;
let app: ReturnType<typeof buildApp>['app'];
/** Last.fm answers 11 to every scrobble while set. */
let down: boolean;
/** Answers to give instead of a success, by track name. */
let refuse: Map<string, [number, unknown]>;
let delivered: Delivered[];
let calls: number;
let offsetMs: number;

beforeEach(async () => {
  fake = await new FakeLastfm().start();
  teachAccountMethods(fake);
  down = false;
  refuse = new Map();
  delivered = [];
  calls = 0;
  offsetMs = 0;
  fake.onMethod('track.scrobble', answerScrobble);
  ({ app } = buildApp(fakeConfig(fake, { LASTFM_RATE_LIMIT: '50' }), {
    now: () => Date.now() + offsetMs,
    outboxTiming: { answerWaitMs: 1500, backoff: { baseMs: 20, maxMs: 100 }, pollMs: 20 },
  }));
});

/** Last.fm's track.scrobble, recording what it was sent; down, refusing or revoked as the test says. */
const answerScrobble: MethodHandler = (params) => {
    calls += 1;
    if (down) return [503, { error: 11, message: 'Service Offline - This service is temporarily offline. Try again later.' }];
    // A revoked key maps to '' (kept, so the next key the fake issues is a different one).
    if (fake.sessionKeys.get(params.sk ?? '') === undefined || fake.sessionKeys.get(params.sk ?? '') === '') return [403, { error: 9, message: 'Invalid session key - Please re-authenticate' }];
    const refused = refuse.get(params['track[0]'] ?? '');
    if (refused !== undefined) return refused;
    const items = [];
    for (let i = 0; params[`artist[${i}]`] !== undefined; i += 1) {
      delivered.push({ artist: params[`artist[${i}]`] ?? '', track: params[`track[${i}]`] ?? '', timestamp: Number(params[`timestamp[${i}]`]), sk: params.sk ?? '', call: calls });
      items.push({ artist: { '#text': params[`artist[${i}]`] }, track: { '#text': params[`track[${i}]`] }, timestamp: params[`timestamp[${i}]`], ignoredMessage: { code: '0', '#text': '' } });
    }
    return [200, { scrobbles: { scrobble: items.length === 1 ? items[0] : items, '@attr': { accepted: items.length, ignored: 0 } } }];
};

afterEach(async () => {
  await fake.stop();
});

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** Polls until `check` holds (the delivery loop works on its own time), failing after `ms`. */
async function until(check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

interface OutboxJson {
  waiting: number;
  held: boolean;
  batches: { total: number; done: number }[];
  scrobbles: { track: string; state: string; reason?: string; timestamp: number; sentAgain: boolean }[];
}

async function outboxOf(agent: ReturnType<typeof request.agent>): Promise<OutboxJson> {
  return (await agent.get('/track/scrobbles?limit=1000').set('Accept', 'application/json').expect(200)).body as OutboxJson;
}

describe('while Last.fm is down', () => {
  it('answers every scrobble at once as queued, then delivers each exactly once with its own time when Last.fm is back', async () => {
    const { agent, csrf } = await signedInAgent(app, fake);
    down = true;
    const times = [5, 4, 3, 2, 1].map((hours) => nowSeconds() - hours * 3600);
    for (const [i, timestamp] of times.entries()) {
      const res = await agent.post('/track/scrobble').set('Accept', 'application/json').send({ _csrf: csrf, artist: 'Björk', track: `Down ${i}`, timestamp: String(timestamp) }).expect(202);
      expect(res.body).toMatchObject({ ok: true, state: 'queued', queued: 1, message: 'Saved: Last.fm is not answering just now, so 1 scrobble waits here and will be sent when it answers.' });
    }
    await agent.post('/track/scrobble').type('form').send({ _csrf: csrf, artist: 'Björk', track: 'Down form' }).expect(303);
    const home = await agent.get('/').expect(200);
    expect(home.text).toContain('Saved: Last.fm is not answering just now, so 1 scrobble waits here and will be sent when it answers.');
    expect(home.text).toContain('6 waiting to be sent to Last.fm.');
    expect(home.text).toMatch(/Down form[\s\S]*?waiting/);
    expect((await outboxOf(agent)).waiting).toBe(6);
    expect(delivered).toHaveLength(0);

    down = false;
    await until(async () => (await outboxOf(agent)).waiting === 0);
    const outbox = await outboxOf(agent);
    expect(outbox.scrobbles.map((item) => item.state)).toEqual(Array(6).fill('accepted'));
    for (const [i, timestamp] of times.entries()) expect(delivered.filter((d) => d.track === `Down ${i}`).map((d) => d.timestamp)).toEqual([timestamp]);
    expect(delivered.filter((d) => d.track === 'Down form')).toHaveLength(1);
    // Oldest first: the backlog went in one call, in the order played.
    const order = delivered.map((d) => d.timestamp);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect((await agent.get('/').expect(200)).text).toContain('Nothing is waiting to be sent.');
  });

  it('ends a scrobble that reaches the 14-day limit unsent as too old to send', async () => {
    const { agent, csrf } = await signedInAgent(app, fake);
    down = true;
    await agent.post('/track/scrobble').set('Accept', 'application/json').send({ _csrf: csrf, artist: 'a', track: 'Aging', timestamp: String(nowSeconds() - 13 * 86_400) }).expect(202);
    // Two days on, and Last.fm still down: only the outbox's own check can end it. (Bringing Last.fm
    // back here raced a delivery that had read the clock before the jump and was still retrying.)
    offsetMs = 2 * 86_400_000;
    await until(async () => (await outboxOf(agent)).waiting === 0);
    expect((await outboxOf(agent)).scrobbles[0]).toMatchObject({ track: 'Aging', state: 'failed', reason: expect.stringContaining('too old to send') as unknown });
    expect(delivered).toHaveLength(0);
  });
});

describe('a key Last.fm refuses (error 9)', () => {
  it('holds the scrobble, signs the person out, and delivers it with the new key after the next sign-in', async () => {
    const first = await signedInAgent(app, fake);
    fake.sessionKeys.set(first.sessionKey, '');
    const res = await first.agent.post('/track/scrobble').set('Accept', 'application/json').send({ _csrf: first.csrf, artist: 'Sigur Rós', track: 'Held' }).expect(401);
    expect(res.body).toMatchObject({ error: { title: 'Last.fm access was revoked; sign in again' } });
    expect((res.body as { error: { message: string } }).error.message).toContain('1 scrobble will be sent once you sign in again');
    expect(calls).toBe(1);

    const again = await signedInAgent(app, fake);
    expect(again.sessionKey).not.toBe(first.sessionKey);
    await until(() => delivered.some((d) => d.track === 'Held'));
    expect(delivered.filter((d) => d.track === 'Held')).toEqual([expect.objectContaining({ sk: again.sessionKey })]);
    await until(async () => (await outboxOf(again.agent)).waiting === 0);
    expect((await outboxOf(again.agent)).scrobbles[0]).toMatchObject({ track: 'Held', state: 'accepted' });
  });
});

describe('an error that can never succeed', () => {
  it('shows the scrobble as failed with the reason, and never sends it again', async () => {
    const { agent, csrf } = await signedInAgent(app, fake);
    refuse.set('Refused', [400, { error: 6, message: 'Invalid parameters - Track name too silly' }]);
    const res = await agent.post('/track/scrobble').set('Accept', 'application/json').send({ _csrf: csrf, artist: 'a', track: 'Refused' }).expect(200);
    expect(res.body).toMatchObject({ ok: false, state: 'failed', failed: 1, details: ['Failed: a – Refused: Last.fm refused it: Invalid parameters - Track name too silly.'], scrobbles: [expect.objectContaining({ reason: 'Last.fm refused it (error 6: Invalid parameters - Track name too silly)' })] });
    expect(calls).toBe(1);

    // The next scrobble's call carries it alone: the failed one left the queue.
    await agent.post('/track/scrobble').set('Accept', 'application/json').send({ _csrf: csrf, artist: 'a', track: 'Fine' }).expect(200);
    expect(calls).toBe(2);
    expect(delivered.map((d) => d.track)).toEqual(['Fine']);
    const home = await agent.get('/').expect(200);
    expect(home.text).toMatch(/Refused[\s\S]*?failed: Last\.fm refused it: Invalid parameters - Track name too silly/);
  });
});

describe('a 1,000-line file', () => {
  it('is checked whole, then sent in calls of at most 50, oldest first, with progress on the home page', async () => {
    const { agent, csrf } = await signedInAgent(app, fake);
    const start = nowSeconds() - 10 * 86_400;
    const rows = Array.from({ length: 1000 }, (_, i) => `"Artist, ${i}",Track ${i},${i % 2 === 0 ? 'Album' : ''},${start + i * 60}`);
    const file = Buffer.from(`artist,track,album,timestamp\r\n${[...rows].reverse().join('\r\n')}\r\n`);
    // Last.fm goes down after three calls, so the drain stops part way.
    let wentDown = false;
    fake.onMethod('track.scrobble', (params, recorded) => {
      if (calls === 3 && !wentDown) {
        down = true;
        wentDown = true;
      }
      return answerScrobble(params, recorded);
    });
    const res = await agent.post('/track/scrobble-batch').set('Accept', 'application/json').field('_csrf', csrf).attach('file', file, 'plays.csv').expect(202);
    expect(res.body).toMatchObject({ ok: true, state: 'queued' });
    await until(() => calls >= 4);
    await until(async () => (await outboxOf(agent)).scrobbles.some((item) => item.state === 'queued' && item.reason !== undefined));
    const home = await agent.get('/').expect(200);
    expect(home.text).toContain('150 of 1000 sent');
    expect(home.text).toContain('850 waiting to be sent to Last.fm.');

    down = false;
    await until(async () => (await outboxOf(agent)).waiting === 0, 20_000);
    expect(delivered).toHaveLength(1000);
    const perCall = new Map<number, number>();
    for (const d of delivered) perCall.set(d.call, (perCall.get(d.call) ?? 0) + 1);
    expect(Math.max(...perCall.values())).toBeLessThanOrEqual(50);
    expect(perCall.size).toBe(20);
    expect(delivered.map((d) => d.timestamp)).toEqual(rows.map((_, i) => start + i * 60));
    expect(delivered[0]).toMatchObject({ artist: 'Artist, 0', track: 'Track 0' });
    expect((await agent.get('/').expect(200)).text).not.toContain('of 1000 sent');
  });

  it('names the first bad line by its number in the file, and queues nothing', async () => {
    const { agent, csrf } = await signedInAgent(app, fake);
    const lines = ['Björk - Jóga', '', 'AC/DC - T.N.T.', 'No dash here'].join('\n');
    const res = await agent.post('/track/scrobble-batch').set('Accept', 'application/json').field('_csrf', csrf).attach('file', Buffer.from(lines), 'plays.txt').expect(400);
    expect((res.body as { error: { message: string } }).error.message).toContain('Line 4 of the file must look like');
    const csv = await agent.post('/track/scrobble-batch').set('Accept', 'application/json').field('_csrf', csrf).attach('file', Buffer.from('a,b,,yesterday'), 'plays.csv').expect(400);
    expect((csv.body as { error: { message: string } }).error.message).toContain('Line 1 of the file has a time that is not an ISO date and time');
    await agent.post('/track/scrobble-batch').set('Accept', 'application/json').field('_csrf', csrf).attach('file', Buffer.from('a - b'), 'plays.exe').expect(400);
    expect((await outboxOf(agent)).scrobbles).toHaveLength(0);
    expect(calls).toBe(0);
  });

  it('refuses a file over 512 KB with a 413, and a cut-off upload with a 400, queueing nothing', async () => {
    const { agent, csrf } = await signedInAgent(app, fake);
    const big = await agent.post('/track/scrobble-batch').set('Accept', 'application/json').field('_csrf', csrf).attach('file', Buffer.alloc(600 * 1024, 'a'), 'plays.txt').expect(413);
    expect((big.body as { error: { title: string } }).error.title).toBe('That file is too large');
    const cut = await agent
      .post('/track/scrobble-batch')
      .set('Accept', 'application/json')
      .set('Content-Type', 'multipart/form-data; boundary=xyz')
      .send(`--xyz\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${csrf}\r\n--xyz\r\nContent-Disposition: form-data; name="file"; filename="p.txt"\r\n\r\na - b`);
    expect(cut.status).toBe(400);
    expect((await outboxOf(agent)).scrobbles).toHaveLength(0);
    expect(calls).toBe(0);
  });

  it('refuses an upload without the form token', async () => {
    const { agent } = await signedInAgent(app, fake);
    await agent.post('/track/scrobble-batch').attach('file', Buffer.from('a - b'), 'plays.txt').expect(403);
    expect(calls).toBe(0);
  });
});

describe('now playing', () => {
  it('is never queued: an outage is reported, and nothing is sent later', async () => {
    const { agent, csrf } = await signedInAgent(app, fake);
    fake.replyNextError(11, 'Service Offline', 503);
    await agent.post('/track/now-playing').type('form').send({ _csrf: csrf, artist: 'a', track: 'b' }).expect(503);
    expect((await outboxOf(agent)).scrobbles).toHaveLength(0);
    expect(fake.calls('track.updateNowPlaying')).toHaveLength(1);
  });
});

