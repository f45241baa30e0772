import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import type { Express } from 'express';
import { buildApp, fakeConfig } from '../helpers/app';
import { instantClock, signedInAgent, teachAccountMethods } from '../helpers/account';
import { FakeLastfm } from '../helpers/fake-lastfm';

let fake: FakeLastfm;
let server: http.Server | undefined;

beforeEach(async () => {
  fake = await new FakeLastfm().start();
  teachAccountMethods(fake);
});

afterEach(async () => {
  const open = server;
  server = undefined;
  if (open !== undefined) await new Promise<void>((resolve) => open.close(() => resolve()));
  await fake.stop();
});

interface Raw {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** One request with exactly these headers; the body as sent, not decompressed. */
async function raw(app: Express, path: string, headers: Record<string, string> = {}): Promise<Raw> {
  if (server === undefined) {
    const started = http.createServer(app);
    await new Promise<void>((resolve) => started.listen(0, '127.0.0.1', resolve));
    server = started;
  }
  const port = (server.address() as AddressInfo).port;
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, headers: { Connection: 'close', ...headers } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      })
      .on('error', reject);
  });
}

const decoders: Record<string, (body: Buffer) => Buffer> = { gzip: zlib.gunzipSync, br: zlib.brotliDecompressSync };

function appFor(env: Record<string, string> = {}): Express {
  return buildApp(fakeConfig(fake, env), { clock: instantClock() }).app;
}

describe('compressed answers', () => {
  it.each(['gzip', 'br'])('sends HTML, CSS, JS and JSON %s-encoded when asked, the same bytes once decoded, CSP and all', async (encoding) => {
    const app = appFor();
    const decode = decoders[encoding] as (body: Buffer) => Buffer;
    for (const [path, type] of [
      ['/', /^text\/html/],
      ['/css/app.css', /^text\/css/],
      ['/js/played-at.js', /^(application|text)\/javascript/],
      ['/setup', /^application\/json/],
    ] as const) {
      const accept: Record<string, string> = path === '/setup' ? { Accept: 'application/json' } : {};
      const plain = await raw(app, path, { ...accept, 'Accept-Encoding': 'identity' });
      const packed = await raw(app, path, { ...accept, 'Accept-Encoding': encoding });
      expect({ path, status: packed.status, type: packed.headers['content-type'] }).toEqual({ path, status: 200, type: expect.stringMatching(type) as unknown });
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(packed.headers['content-encoding']).toBe(encoding);
      expect(packed.headers.vary).toMatch(/Accept-Encoding/);
      expect(packed.body.length).toBeLessThan(plain.body.length);
      if (path !== '/setup') expect(decode(packed.body).equals(plain.body)).toBe(true);
      else expect(JSON.parse(decode(packed.body).toString('utf8'))).toMatchObject({ publicUrl: 'http://127.0.0.1:3999/' });
      if (path === '/') expect(packed.headers['content-security-policy']).toContain("script-src 'self'");
    }
  });
});

describe('cached assets', () => {
  it('links each asset with its content hash, kept for a year as immutable; other URLs are revalidated with their ETag', async () => {
    const app = appFor();
    const { agent } = await signedInAgent(app, fake);
    const home = (await agent.get('/').expect(200)).text;
    const links = [...home.matchAll(/(?:href|src)="(\/(?:css|js|images)\/[^"]+)"/g)].map((match) => match[1] ?? '');
    expect(links).toEqual(expect.arrayContaining([expect.stringMatching(/^\/css\/app\.css\?v=[\w-]{12}$/), expect.stringMatching(/^\/js\/played-at\.js\?v=[\w-]{12}$/), expect.stringMatching(/^\/images\/favicon\.svg\?v=[\w-]{12}$/)]));
    for (const link of links) {
      const res = await raw(app, link);
      expect({ link, status: res.status, cache: res.headers['cache-control'] }).toEqual({ link, status: 200, cache: 'public, max-age=31536000, immutable' });
      expect(res.headers.etag).toBeDefined();
    }

    for (const stale of ['/css/app.css', '/css/app.css?v=oldversion00']) {
      const res = await raw(app, stale);
      expect(res.headers['cache-control']).toBe('no-cache');
      const again = await raw(app, stale, { 'If-None-Match': res.headers.etag ?? '' });
      expect(again.status).toBe(304);
      expect(again.body.length).toBe(0);
    }
  });

  it('keeps nothing for good in development, where files change under a running app', async () => {
    const app = appFor({ NODE_ENV: 'development' });
    const page = await raw(app, '/');
    const link = /href="(\/css\/app\.css\?v=[^"]+)"/.exec(page.body.toString('utf8'))?.[1] ?? '';
    expect(link).not.toBe('');
    expect((await raw(app, link)).headers['cache-control']).toBe('no-cache');
  });
});
