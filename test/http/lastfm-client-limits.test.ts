import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSigner, LastfmClient, LastfmTransport } from 'lastfm-sign-in';
import { LastfmUnavailableError } from '../../src/errors';
import { instantClock } from '../helpers/account';
import { FAKE_API_KEY, FAKE_SECRET } from '../helpers/fake-lastfm';

/** A Last.fm stand-in that misbehaves at the transport level, on a loopback port. */
async function startServer(handler: http.RequestListener): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/2.0/`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const timers: NodeJS.Timeout[] = [];
let close: (() => Promise<void>) | undefined;

afterEach(async () => {
  for (const timer of timers) clearInterval(timer);
  timers.length = 0;
  await close?.();
  close = undefined;
});

function clientFor(apiUrl: string, timeoutMs: number): LastfmClient {
  return new LastfmClient({ transport: new LastfmTransport({ apiKey: FAKE_API_KEY, apiUrl, signer: createSigner(FAKE_SECRET), userAgent: 'test/1.0', timeoutMs }), authUrl: 'http://127.0.0.1:1/api/auth/', clock: instantClock() });
}

async function failure(call: Promise<unknown>): Promise<LastfmUnavailableError> {
  const error: unknown = await call.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(LastfmUnavailableError);
  return error as LastfmUnavailableError;
}

describe('LastfmClient transport limits', () => {
  it('gives up on a server that trickles bytes and never ends, as a timeout without the axios error as cause', async () => {
    // One byte every 50 ms never leaves the socket idle, so a socket-idle timeout alone waits forever.
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{"token":"');
      timers.push(setInterval(() => res.write('a'), 50));
    });
    close = server.close;
    const error = await failure(clientFor(server.url, 400).getToken());
    expect(error.reason).toBe('timeout');
    expect(error.cause).toBeUndefined();
  }, 15_000);

  it('refuses an answer larger than 2 MB instead of reading it all', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ token: 'a'.repeat(3 * 1024 * 1024) }));
    });
    close = server.close;
    const error = await failure(clientFor(server.url, 5000).getToken());
    expect(error.reason).toBe('network');
    expect(error.cause).toBeUndefined();
  }, 15_000);
});
