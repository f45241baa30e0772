import { createSigner, LastfmClient, LastfmTransport } from 'lastfm-sign-in';
import { instantClock, teachAccountMethods } from '../helpers/account';
import { FAKE_API_KEY, FAKE_SECRET, FakeLastfm } from '../helpers/fake-lastfm';

let fake: FakeLastfm;
let client: LastfmClient;

beforeEach(async () => {
  fake = await new FakeLastfm().start();
  teachAccountMethods(fake);
  client = new LastfmClient({ transport: new LastfmTransport({ apiKey: FAKE_API_KEY, apiUrl: fake.apiUrl, signer: createSigner(FAKE_SECRET), userAgent: 'test/1.0', timeoutMs: 2000 }), authUrl: fake.authUrl, clock: instantClock() });
});

afterEach(async () => {
  await fake.stop();
});

describe('LastfmClient.scrobble', () => {
  it('sends 120 scrobbles oldest first in calls of 50, 50 and 20 with indexed names, and sums the counts', async () => {
    const sk = fake.issueSessionKey('rj');
    const base = 1_700_000_000;
    const items = Array.from({ length: 120 }, (_, i) => ({ artist: `Artist ${i}`, track: `Track ${i}`, timestamp: base - i * 60 }));
    const result = await client.scrobble(sk, items);
    const calls = fake.calls('track.scrobble');
    expect(calls.map((call) => Object.keys(call.body).filter((k) => k.startsWith('artist[')).length)).toEqual([50, 50, 20]);
    expect(calls.every((call) => call.signatureValid && call.httpMethod === 'POST' && Object.keys(call.query).length === 0)).toBe(true);
    const sent = calls.flatMap((call) => Array.from({ length: 50 }, (_, i) => call.params[`timestamp[${i}]`]).filter((t): t is string => t !== undefined).map(Number));
    expect(sent).toEqual([...items].map((item) => item.timestamp).sort((a, b) => a - b));
    expect(calls[0]?.params['artist[10]']).toBe('Artist 109');
    expect(result.accepted).toBe(120);
    expect(result.items).toHaveLength(120);
  });

  it('refuses more than 10 tags before sending anything', async () => {
    const sk = fake.issueSessionKey('rj');
    await expect(client.addTags(sk, { type: 'artist', artist: 'a' }, Array.from({ length: 11 }, (_, i) => `t${i}`))).rejects.toThrow(RangeError);
    expect(fake.requests).toHaveLength(0);
  });

  it('sends reads as signed GETs without the session key', async () => {
    const profile = await client.getProfile('rj');
    expect(profile.name).toBe('rj');
    const call = fake.calls('user.getInfo')[0];
    expect(call?.httpMethod).toBe('GET');
    expect(call?.signatureValid).toBe(true);
    expect(call?.params.sk).toBeUndefined();
  });
});

describe('LastfmClient.forRequest', () => {
  it('reports each call with the id of the request it was made for, and shares the back-off after error 29', async () => {
    const events: [string, string | undefined][] = [];
    const shared = new LastfmClient({
      transport: new LastfmTransport({
        apiKey: FAKE_API_KEY,
        apiUrl: fake.apiUrl,
        signer: createSigner(FAKE_SECRET),
        userAgent: 'test/1.0',
        timeoutMs: 2000,
        onCall: (event, requestId) => events.push([event.outcome, requestId]),
      }),
      authUrl: fake.authUrl,
      clock: instantClock(),
    });
    await shared.forRequest('first').getProfile('rj');
    fake.replyNextError(29, 'Rate limit exceeded');
    await expect(shared.forRequest('second').getProfile('rj')).rejects.toMatchObject({ code: 29 });
    // Another request's view is held back too, without sending: the back-off lives on the shared client.
    await expect(shared.forRequest('third').getProfile('rj')).rejects.toMatchObject({ code: 29 });
    expect(fake.calls('user.getInfo')).toHaveLength(2);
    expect(events).toEqual([
      ['ok', 'first'],
      ['lastfm-error', 'second'],
      ['lastfm-error', 'third'],
    ]);
  });
});
