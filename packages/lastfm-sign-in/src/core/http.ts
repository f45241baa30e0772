import http from 'node:http';
import https from 'node:https';
import { createGunzip } from 'node:zlib';
import axios, { type AxiosInstance, isAxiosError } from 'axios';

/** One request to the web service, signed and encoded; `signal` fires when the whole-call time limit is up. */
export interface HttpRequest {
  method: 'GET' | 'POST';
  url: string;
  /** The form-encoded parameters of a POST. */
  body?: string;
  headers: Record<string, string>;
  signal: AbortSignal;
}

/** Last.fm's answer as it came, before it is read: whatever the status, the body is kept. */
export interface RawAnswer {
  status: number;
  data: unknown;
}

/**
 * Sends one request and hands back the answer unread, whatever its status. Replace it to use
 * another HTTP client (fetch, undici, a recording stub). When no answer comes, throw an
 * HttpTransportError so the caller can tell a timeout from a network failure.
 */
export interface HttpTransport {
  send(request: HttpRequest): Promise<RawAnswer>;
}

/** No answer came: `timeout` (the time limit) or `network`; `detail` is a system code such as ECONNREFUSED. */
export class HttpTransportError extends Error {
  override readonly name = 'HttpTransportError';
  constructor(
    readonly kind: 'timeout' | 'network',
    readonly detail: string | undefined,
  ) {
    super(`no answer (${kind}${detail === undefined ? '' : `: ${detail}`})`);
  }
}

export interface AxiosTransportOptions {
  userAgent: string;
  /** The longest one call may take; the signal of each request bounds the whole call too. */
  timeoutMs: number;
}

/** Far above any answer a Last.fm call gets; a bigger one is refused rather than read into memory. */
const MAX_RESPONSE_BYTES = 2 * 1024 * 1024;

/**
 * The default transport: node:http over keep-alive agents, with what the axios transport promises
 * (no redirects, the answer as text whatever its status, at most 2 MiB of it, gzip asked for over
 * https and read whenever it comes, a socket idle for `timeoutMs` given up) for less CPU per call than axios
 * (measured: bench/README.md, the sign-in round trip).
 */
export function createNodeTransport(options: AxiosTransportOptions): HttpTransport {
  const agents = { http: new http.Agent({ keepAlive: true, maxSockets: 32 }), https: new https.Agent({ keepAlive: true, maxSockets: 32 }) };
  const common = { 'User-Agent': options.userAgent, Accept: 'application/json' };
  // Gzip pays across a network, and Last.fm is reached over https; a plain-http web service is a
  // stand-in on this host or network (the sandbox over loopback), where compressing an answer to
  // unzip it at once is only CPU on both sides.
  const secureCommon = { ...common, 'Accept-Encoding': 'gzip' };
  return {
    send({ method, url, body, headers, signal }) {
      return new Promise<RawAnswer>((resolve, reject) => {
        const target = new URL(url);
        const secure = target.protocol === 'https:';
        const payload = body === undefined ? undefined : Buffer.from(body, 'utf8');
        let failed = false;
        // The request's own error carries its options (the signed body: token, password, sk): only its code goes on.
        const fail = (kind: HttpTransportError['kind'], detail: string | undefined): void => {
          if (failed) return;
          failed = true;
          request.destroy();
          reject(new HttpTransportError(kind, detail));
        };
        const request = (secure ? https : http).request(
          target,
          {
            method,
            agent: secure ? agents.https : agents.http,
            headers: { ...(secure ? secureCommon : common), ...headers, ...(payload === undefined ? {} : { 'Content-Length': String(payload.length) }) },
            timeout: options.timeoutMs,
          },
          (response) => {
            const gzipped = response.headers['content-encoding'] === 'gzip';
            const stream = gzipped ? response.pipe(createGunzip()) : response;
            const parts: Buffer[] = [];
            let bytes = 0;
            stream.on('data', (part: Buffer) => {
              bytes += part.length;
              if (bytes > MAX_RESPONSE_BYTES) fail('network', 'ERR_BAD_RESPONSE');
              else parts.push(part);
            });
            stream.on('error', (error: NodeJS.ErrnoException) => fail(signal.aborted ? 'timeout' : 'network', error.code));
            response.on('error', (error: NodeJS.ErrnoException) => fail(signal.aborted ? 'timeout' : 'network', error.code));
            stream.on('end', () => {
              if (failed) return;
              resolve({ status: response.statusCode ?? 0, data: Buffer.concat(parts).toString('utf8') });
            });
          },
        );
        const abort = (): void => fail('timeout', 'ERR_CANCELED');
        if (signal.aborted) abort();
        signal.addEventListener('abort', abort, { once: true });
        request.on('close', () => signal.removeEventListener('abort', abort));
        request.on('timeout', () => fail('timeout', 'ETIMEDOUT'));
        request.on('error', (error: NodeJS.ErrnoException) => fail(signal.aborted ? 'timeout' : 'network', error.code));
        request.end(payload);
      });
    },
  };
}

/** The transport of earlier versions: axios over keep-alive agents, no redirects, a cap on the answer's size. */
export function createAxiosTransport(options: AxiosTransportOptions): HttpTransport {
  const client = keepAliveHttp(options.userAgent, options.timeoutMs);
  return {
    async send({ method, url, body, headers, signal }) {
      try {
        const response = method === 'POST' ? await client.post<unknown>(url, body, { headers, signal }) : await client.get<unknown>(url, { headers, signal });
        return { status: response.status, data: response.data };
      } catch (error) {
        const timedOut = isAxiosError(error) && (error.code === 'ECONNABORTED' || error.code === 'ETIMEDOUT' || error.code === 'ERR_CANCELED');
        // The axios error is not kept as `cause`: its config holds the signed body (token, password, sk).
        throw new HttpTransportError(timedOut ? 'timeout' : 'network', isAxiosError(error) ? error.code : 'request failed');
      }
    },
  };
}

function keepAliveHttp(userAgent: string, timeoutMs: number): AxiosInstance {
  return axios.create({
    timeout: timeoutMs,
    httpAgent: new http.Agent({ keepAlive: true, maxSockets: 32 }),
    httpsAgent: new https.Agent({ keepAlive: true, maxSockets: 32 }),
    headers: { 'User-Agent': userAgent, Accept: 'application/json' },
    // The body is read whatever the status: Last.fm sends errors with 200, 4xx and 5xx alike.
    validateStatus: () => true,
    responseType: 'text',
    transformResponse: [(data: unknown) => data],
    maxRedirects: 0,
    maxContentLength: MAX_RESPONSE_BYTES,
    maxBodyLength: MAX_RESPONSE_BYTES,
  });
}
