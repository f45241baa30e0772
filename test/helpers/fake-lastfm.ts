import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { recordSecrets } from './log-audit';

/**
 * A second, independent Last.fm stand-in for tests. It checks api_sig with its own MD5 code (not
 * the app's signer), records every request, and can be told what to answer next.
 */
export interface RecordedRequest {
  httpMethod: string;
  path: string;
  /** Query string parameters. */
  query: Record<string, string[]>;
  /** Form body parameters (POST). */
  body: Record<string, string[]>;
  headers: http.IncomingHttpHeaders;
  /** Merged single values, for convenience. */
  params: Record<string, string>;
  signatureValid: boolean;
}

export interface CannedReply {
  status: number;
  body: string;
  contentType?: string;
}

/** Answers one web service method: [HTTP status, JSON body]. */
export type MethodHandler = (params: Record<string, string>, request: RecordedRequest) => [number, unknown];

export const FAKE_API_KEY = 'fake-api-key-for-tests';
export const FAKE_SECRET = 'fake-secret-for-tests';

export function expectedSignature(params: Record<string, string>, secret: string): string {
  // Written apart from src/lastfm/signature.ts on purpose: a shared bug must not pass both.
  const names = Object.keys(params).filter((n) => n !== 'format' && n !== 'callback' && n !== 'api_sig');
  const ordered = names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const text = ordered.map((n) => `${n}${params[n] ?? ''}`).join('') + secret;
  return createHash('md5').update(Buffer.from(text, 'utf8')).digest('hex');
}

export class FakeLastfm {
  readonly requests: RecordedRequest[] = [];
  /** token → user name, for tokens the fake "authorize page" handed out. */
  readonly approvedTokens = new Map<string, string>();
  readonly sessionKeys = new Map<string, string>();
  private readonly canned: CannedReply[] = [];
  private readonly handlers = new Map<string, MethodHandler>();
  private readonly holds = new Map<string, { arrive: () => void; released: Promise<void> }>();
  private server: http.Server | undefined;
  private tokenCounter = 0;
  userForNextAuthorize = 'fake-user';
  port = 0;

  get apiUrl(): string {
    return `http://127.0.0.1:${this.port}/2.0/`;
  }

  get authUrl(): string {
    return `http://127.0.0.1:${this.port}/api/auth/`;
  }

  /** The next web service call gets this reply instead of the normal one. */
  replyNext(reply: CannedReply): void {
    this.canned.push(reply);
  }

  replyNextError(code: number, message: string, status = 200): void {
    this.replyNext({ status, body: JSON.stringify({ error: code, message }) });
  }

  /** Hands out a token as if a person had approved it on the authorize page. */
  approveToken(user = this.userForNextAuthorize): string {
    this.tokenCounter += 1;
    // Last.fm's shape (32 letters and digits), or the app would refuse it unasked.
    const token = `faketoken${String(this.tokenCounter).padStart(23, '0')}`;
    this.approvedTokens.set(token, user);
    recordSecrets([token]);
    return token;
  }

  /** Teaches the fake a web service method (signed calls only reach it with a valid api_sig). */
  /**
   * Holds the next call to `method` until `release()`: `arrived` resolves once it is in, so a test
   * can act while the app waits for Last.fm, without guessing at timings.
   */
  holdNext(method: string): { arrived: Promise<void>; release: () => void } {
    let arrive = () => {};
    let release = () => {};
    const arrived = new Promise<void>((resolve) => {
      arrive = resolve;
    });
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.holds.set(method, { arrive, released });
    return { arrived, release };
  }

  onMethod(method: string, handler: MethodHandler): void {
    this.handlers.set(method, handler);
  }

  calls(method: string): RecordedRequest[] {
    return this.requests.filter((r) => r.params.method === method);
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      void this.handle(req, res);
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://fake');
    const query = multi(url.searchParams);
    const body = multi(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));

    if (url.pathname === '/api/auth/') {
      // Plays a Last.fm on which the person is signed in and always allows access.
      const cb = url.searchParams.get('cb');
      if (cb === null) {
        res.writeHead(400).end('no cb');
        return;
      }
      const token = this.approveToken();
      res.writeHead(302, { Location: `${cb}${cb.includes('?') ? '&' : '?'}token=${token}` }).end();
      return;
    }

    const params: Record<string, string> = {};
    for (const source of [query, body]) for (const [k, v] of Object.entries(source)) params[k] = v[0] ?? '';
    const signatureValid = params.api_sig === expectedSignature(params, FAKE_SECRET);
    this.requests.push({ httpMethod: req.method ?? '', path: url.pathname, query, body, headers: req.headers, params, signatureValid });
    const hold = this.holds.get(params.method ?? '');
    if (hold !== undefined) {
      this.holds.delete(params.method ?? '');
      hold.arrive();
      await hold.released;
    }

    const canned = this.canned.shift();
    if (canned !== undefined) {
      res.writeHead(canned.status, { 'Content-Type': canned.contentType ?? 'application/json' }).end(canned.body);
      return;
    }
    const [status, answer] = this.answer(params, signatureValid, this.requests[this.requests.length - 1] as RecordedRequest);
    res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(answer));
  }

  private answer(params: Record<string, string>, signatureValid: boolean, recorded: RecordedRequest): [number, unknown] {
    if (params.api_key !== FAKE_API_KEY) return [403, { error: 10, message: 'Invalid API key' }];
    if (!signatureValid) return [403, { error: 13, message: 'Invalid method signature supplied' }];
    const custom = this.handlers.get(params.method ?? '');
    if (custom !== undefined) return custom(params, recorded);
    if (params.method === 'auth.getSession') {
      const user = this.approvedTokens.get(params.token ?? '');
      if (user === undefined) return [403, { error: 4, message: 'Invalid authentication token supplied' }];
      this.approvedTokens.delete(params.token ?? '');
      return [200, { session: { name: user, key: this.issueSessionKey(user), subscriber: '0' } }];
    }
    return [400, { error: 3, message: 'Invalid Method - No method with that name in this package' }];
  }

  /** A fresh session key for `user`, remembered so tests can check it never leaks. */
  issueSessionKey(user: string): string {
    const key = `fake-sk-${user}-${this.sessionKeys.size + 1}`;
    this.sessionKeys.set(key, user);
    recordSecrets([key]);
    return key;
  }
}

function multi(search: URLSearchParams): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of search) (out[k] ??= []).push(v);
  return out;
}
