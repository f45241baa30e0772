import { createLastfmClient, LastfmError, type HttpRequest, type HttpTransport } from '../src';
import { DEMO_ACCOUNTS, itemKey, startSandbox, type StartedSandbox } from '../src/testing';

let sandbox: StartedSandbox;

beforeEach(async () => {
  sandbox = await startSandbox();
});

afterEach(async () => {
  await sandbox.close();
});

const clientFor = (s: StartedSandbox) => createLastfmClient({ apiKey: s.apiKey, sharedSecret: s.sharedSecret, apiUrl: s.apiUrl, authUrl: s.authUrl });

/** What a person does on the stand-in's authorize page: open it, then allow access as `user`. */
async function approve(authorizeUrl: URL, user: string): Promise<Response> {
  const page = await fetch(authorizeUrl);
  expect(page.status).toBe(200);
  const request = /name="request" value="([^"]+)"/.exec(await page.text())?.[1];
  expect(request).toBeDefined();
  return fetch(new URL(authorizeUrl.pathname, authorizeUrl), {
    method: 'POST',
    body: new URLSearchParams({ request: request ?? '', decision: 'allow', user }),
    redirect: 'manual',
  });
}

describe('startSandbox', () => {
  it('listens on 127.0.0.1 and hands out its public credentials', () => {
    expect(sandbox.apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/2\.0\/$/);
    expect(sandbox.authUrl).toBe(sandbox.apiUrl.replace('2.0/', 'api/auth/'));
    expect(sandbox.apiKey).not.toBe('');
    expect(sandbox.sharedSecret).not.toBe('');
  });

  it('signs a person in through the web flow and takes their love, with a client built on the defaults', async () => {
    const client = clientFor(sandbox);
    const [ada] = DEMO_ACCOUNTS;
    const answer = await approve(client.webAuthorizeUrl('http://127.0.0.1:1/callback'), ada?.name ?? '');
    expect(answer.status).toBe(303);
    const token = new URL(answer.headers.get('location') ?? '').searchParams.get('token');
    expect(token).not.toBeNull();

    const session = await client.getSession(token ?? '');
    expect(session).toEqual({ name: ada?.name, key: expect.any(String) as unknown, subscriber: false });
    await client.love(session.key, 'Nina Simone', 'Sinnerman');
    expect(sandbox.state.library.of(session.name).loves.has(itemKey('Nina Simone', 'Sinnerman'))).toBe(true);
  });

  it('approves a desktop token on its page, then exchanges it once only', async () => {
    const client = clientFor(sandbox);
    const token = await client.getToken();
    const answer = await approve(client.desktopAuthorizeUrl(token), 'sandbox-bo');
    expect(answer.status).toBe(200);
    expect(await answer.text()).toContain('Application authorized');
    await expect(client.getSession(token)).resolves.toMatchObject({ name: 'sandbox-bo', subscriber: true });

    const spent = await client.getSession(token).catch((error: unknown) => error);
    expect(spent).toBeInstanceOf(LastfmError);
    expect(spent).toMatchObject({ code: 15, retryable: false, revoked: false });
  });

  it('answers an unknown session key with error 9, which the error calls revoked', async () => {
    const failure = await clientFor(sandbox).love('not-a-session-key', 'A', 'B').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(LastfmError);
    expect(failure).toMatchObject({ code: 9, revoked: true, retryable: false });
  });

  it('renders its own pages and serves its own stylesheet, with no view engine in the host', async () => {
    const page = await fetch(sandbox.url);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const html = await page.text();
    expect(html).toContain(sandbox.apiKey);
    expect(html).toContain('href="/assets/sandbox.css"');
    expect(html).not.toContain('Back to the app');
    expect((await fetch(new URL('assets/sandbox.css', sandbox.url))).status).toBe(200);
  });

  it('stops answering once closed', async () => {
    await sandbox.close();
    await expect(fetch(sandbox.url)).rejects.toThrow();
    sandbox = await startSandbox();
  });
});

describe('a replaced HTTP transport', () => {
  it('is handed each signed request and its answer is read as Last.fm\'s', async () => {
    const sent: HttpRequest[] = [];
    const transport: HttpTransport = {
      send: (request) => {
        sent.push(request);
        return Promise.resolve({ status: 200, data: JSON.stringify({ token: 'from-the-stub' }) });
      },
    };
    const client = createLastfmClient({ apiKey: 'key', sharedSecret: 'secret', transport });
    await expect(client.getToken()).resolves.toBe('from-the-stub');
    expect(sent).toHaveLength(1);
    const url = new URL(sent[0]?.url ?? '');
    expect(url.origin + url.pathname).toBe('https://ws.audioscrobbler.com/2.0/');
    expect(url.searchParams.get('method')).toBe('auth.getToken');
    expect(url.searchParams.get('api_sig')).toMatch(/^[0-9a-f]{32}$/);
  });

  it('sends a call carrying a session key as a POST, through the generic signed call', async () => {
    const sent: HttpRequest[] = [];
    const transport: HttpTransport = {
      send: (request) => {
        sent.push(request);
        return Promise.resolve({ status: 200, data: '{"similartracks":{}}' });
      },
    };
    const client = createLastfmClient({ apiKey: 'key', sharedSecret: 'secret', transport });
    await expect(client.call('track.getSimilar', { artist: 'A', track: 'B', sk: 'session-key' })).resolves.toEqual({ similartracks: {} });
    expect(sent[0]?.method).toBe('POST');
    expect(sent[0]?.url).toBe('https://ws.audioscrobbler.com/2.0/');
    expect(new URLSearchParams(sent[0]?.body).get('sk')).toBe('session-key');
  });
});
