import { createHash } from 'node:crypto';
import { SANDBOX_API_KEY, SANDBOX_SHARED_SECRET, SandboxState } from 'lastfm-sign-in/testing';
import { startSandboxServer } from '../helpers/app';
import { expectedSignature } from '../helpers/fake-lastfm';
import { lfmError, parseLfm } from '../helpers/lastfm-xml';

// The stand-in as a third-party client (pylast, say) meets it over HTTP: no `format`, so every
// answer is XML, read with a real XML parser; signatures from the test's own MD5 code.

let server: Awaited<ReturnType<typeof startSandboxServer>>;
let state: SandboxState;
let wsUrl: string;

beforeEach(async () => {
  state = new SandboxState();
  server = await startSandboxServer({}, { sandboxState: state });
  wsUrl = `${server.baseUrl}/sandbox/2.0/`;
});

afterEach(async () => {
  await server.close();
});

const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');

function sign(params: Record<string, string>): Record<string, string> {
  const all = { api_key: SANDBOX_API_KEY, ...params };
  return { ...all, api_sig: expectedSignature(all, SANDBOX_SHARED_SECRET) };
}

async function get(params: Record<string, string>): Promise<{ status: number; type: string | null; text: string }> {
  const res = await fetch(`${wsUrl}?${new URLSearchParams(params).toString()}`);
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

async function post(params: Record<string, string>): Promise<{ status: number; type: string | null; text: string }> {
  const res = await fetch(wsUrl, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(params).toString() });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

/** The element's text as a client reads it from the parsed XML. */
function ok(answer: { status: number; type: string | null; text: string }): Record<string, unknown> {
  expect(answer.status).toBe(200);
  expect(answer.type).toBe('text/xml; charset=utf-8');
  const { status, root } = parseLfm(answer.text);
  expect(status).toBe('ok');
  return root;
}

/** The person approves the token on the stand-in's authorize page, in their browser. */
async function approveInBrowser(token: string, user: string): Promise<void> {
  const page = await fetch(`${server.baseUrl}/sandbox/api/auth/?${new URLSearchParams({ api_key: SANDBOX_API_KEY, token }).toString()}`);
  expect(page.status).toBe(200);
  const request = /name="request" value="([^"]+)"/.exec(await page.text())?.[1] ?? '';
  const answer = await fetch(`${server.baseUrl}/sandbox/api/auth/`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ request, decision: 'allow', user }).toString() });
  expect(await answer.text()).toContain('Application authorized');
}

describe('a third-party client against the sandbox, in XML', () => {
  it('desktop flow: signed auth.getToken, approval, auth.getSession, then a write and a read with the session key', async () => {
    const token = String(ok(await get(sign({ method: 'auth.getToken' }))).token);
    expect(token).toMatch(/^[0-9a-f]{32}$/);

    expect(lfmError((await get(sign({ method: 'auth.getSession', token }))).text).code).toBe(14);
    await approveInBrowser(token, 'sandbox-bo');

    const session = ok(await get(sign({ method: 'auth.getSession', token }))).session as Record<string, string>;
    expect(session).toEqual({ name: 'sandbox-bo', key: expect.stringMatching(/^[0-9a-f]{32}$/) as unknown, subscriber: '1' });

    ok(await post(sign({ method: 'track.love', sk: session.key ?? '', artist: 'Björk', track: 'Jóga' })));
    // pylast asks for the signed-in user's name with user.getInfo and the session key alone.
    const user = ok(await post(sign({ method: 'user.getInfo', sk: session.key ?? '' }))).user as Record<string, unknown>;
    expect(user.name).toBe('sandbox-bo');
    expect(user.type).toBe('subscriber');
  });

  it('answers an unsigned auth.getToken, and refuses one with a wrong signature (13)', async () => {
    const token = String(ok(await get({ method: 'auth.getToken', api_key: SANDBOX_API_KEY })).token);
    expect(state.isTokenOpen(token)).toBe(true);
    const wrong = await get({ method: 'auth.getToken', api_key: SANDBOX_API_KEY, api_sig: '0'.repeat(32) });
    expect(lfmError(wrong.text).code).toBe(13);
  });

  it('mobile flow with authToken = md5(username + md5(password)), then a scrobble and a read as POST', async () => {
    const session = ok(await post(sign({ method: 'auth.getMobileSession', username: 'sandbox-ada', authToken: md5(`sandbox-ada${md5('ada-listens')}`) }))).session as Record<string, string>;
    expect(session.name).toBe('sandbox-ada');

    const now = Math.floor(Date.now() / 1000);
    const scrobbles = ok(await post(sign({ method: 'track.scrobble', sk: session.key ?? '', artist: 'Sigur Rós', track: 'Hoppípolla', timestamp: String(now - 60) }))).scrobbles as Record<string, unknown>;
    expect(scrobbles['@_accepted']).toBe('1');

    const recent = ok(await post({ method: 'user.getRecentTracks', api_key: SANDBOX_API_KEY, user: 'sandbox-ada' })).recenttracks as Record<string, unknown>;
    expect(recent.track).toMatchObject({ name: 'Hoppípolla', artist: { '#text': 'Sigur Rós' } });
  });

  it('mobile flow refuses an authToken made from a wrong password (4)', async () => {
    const answer = await post(sign({ method: 'auth.getMobileSession', username: 'sandbox-ada', authToken: md5(`sandbox-ada${md5('wrong')}`) }));
    expect(answer.status).toBe(403);
    expect(lfmError(answer.text).code).toBe(4);
  });
});

describe('sandbox signatures cover the parameters exactly as sent', () => {
  const love = (sk: string) => ({ method: 'track.love', api_key: SANDBOX_API_KEY, sk, artist: 'Björk', track: 'Jóga', album: '' });

  it('accepts a signature that includes an empty value', async () => {
    const params = love(state.issueSessionKey('sandbox-ada'));
    ok(await post({ ...params, api_sig: expectedSignature(params, SANDBOX_SHARED_SECRET) }));
  });

  it('refuses a signature that skipped the empty value it was sent with (13)', async () => {
    const params = love(state.issueSessionKey('sandbox-ada'));
    const signedWithout = Object.fromEntries(Object.entries(params).filter(([name]) => name !== 'album'));
    const answer = await post({ ...params, api_sig: expectedSignature(signedWithout, SANDBOX_SHARED_SECRET) });
    expect(answer.status).toBe(403);
    expect(lfmError(answer.text).code).toBe(13);
  });
});
