import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { createNodeTransport, HttpTransportError, type RawAnswer } from '../src';

let server: http.Server | undefined;
const seen: { method?: string; headers: http.IncomingHttpHeaders; body: string }[] = [];

async function serve(handler: http.RequestListener): Promise<string> {
  server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', () => {
      seen.push({ method: req.method, headers: req.headers, body: Buffer.concat(parts).toString('utf8') });
      handler(req, res);
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/2.0/`;
}

afterEach(async () => {
  seen.length = 0;
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
  server = undefined;
});

const transport = createNodeTransport({ userAgent: 'node-transport-test/1', timeoutMs: 2000 });
const signal = () => AbortSignal.timeout(2000);

async function refusal(answer: Promise<RawAnswer>): Promise<HttpTransportError> {
  const error: unknown = await answer.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(HttpTransportError);
  return error as HttpTransportError;
}

describe('createNodeTransport', () => {
  it('sends a POST form with its headers and hands back the answer as text whatever its status', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(403, { 'Content-Type': 'application/json' });
      res.end('{"error":9,"message":"Invalid session key"}');
    });
    const answer = await transport.send({ method: 'POST', url, body: 'sk=secret&x=é', headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=UTF-8' }, signal: signal() });
    expect(answer).toEqual({ status: 403, data: '{"error":9,"message":"Invalid session key"}' });
    expect(seen[0]).toMatchObject({ method: 'POST', body: 'sk=secret&x=é', headers: { 'user-agent': 'node-transport-test/1', accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8', 'content-length': String(Buffer.byteLength('sk=secret&x=é')) } });
  });

  it('reads a gzipped answer, and asks for none over plain http (a stand-in nearby: only CPU)', async () => {
    const url = await serve((req, res) => {
      expect(req.headers['accept-encoding']).toBeUndefined();
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' });
      res.end(gzipSync('{"token":"abc"}'));
    });
    expect(await transport.send({ method: 'GET', url: `${url}?method=auth.getToken`, headers: {}, signal: signal() })).toEqual({ status: 200, data: '{"token":"abc"}' });
  });

  it('does not follow a redirect', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(302, { Location: 'http://127.0.0.1:1/elsewhere' });
      res.end('moved');
    });
    expect(await transport.send({ method: 'GET', url, headers: {}, signal: signal() })).toEqual({ status: 302, data: 'moved' });
    expect(seen).toHaveLength(1);
  });

  it('refuses an answer over 2 MiB, gzipped or not, as a network failure', async () => {
    const big = JSON.stringify({ token: 'a'.repeat(3 * 1024 * 1024) });
    const url = await serve((req, res) => {
      const zipped = req.url?.includes('zipped') === true;
      res.writeHead(200, zipped ? { 'Content-Encoding': 'gzip' } : {});
      res.end(zipped ? gzipSync(big) : big);
    });
    expect((await refusal(transport.send({ method: 'GET', url, headers: {}, signal: signal() }))).kind).toBe('network');
    expect((await refusal(transport.send({ method: 'GET', url: `${url}?zipped`, headers: {}, signal: signal() }))).kind).toBe('network');
  });

  it('gives up when the signal fires, as a timeout', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200);
      res.write('{"token":"');
    });
    const error = await refusal(transport.send({ method: 'GET', url, headers: {}, signal: AbortSignal.timeout(200) }));
    expect(error.kind).toBe('timeout');
  });

  it('tells a refused connection as a network failure with its code, and nothing of the request', async () => {
    const error = await refusal(transport.send({ method: 'POST', url: 'http://127.0.0.1:1/2.0/', body: 'password=hunter2', headers: {}, signal: signal() }));
    expect(error).toMatchObject({ kind: 'network', detail: 'ECONNREFUSED' });
    expect(error.cause).toBeUndefined();
    expect(JSON.stringify(error) + error.message).not.toContain('hunter2');
  });
});
