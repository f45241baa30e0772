import http, { type ClientRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import https from 'node:https';
import axios, { type AxiosInstance, isAxiosError } from 'axios';

/** One request to the web service, signed and encoded; `signal` fires when the whole-call time limit is up. */
export interface HttpRequest {
  method: 'GET' | 'POST';
  url: string;
  /** The form-encoded parameters of a POST. */
  body?: string;
  headers: Record<string, string>;
  signal: AbortSignal;
  /**
   * Call once the whole request has been written to the connection (after any DNS lookup, TCP
   * connect and TLS handshake): a budget counting from the send starts the call's second here.
   * Optional to call: a transport that never does leaves the call counted from its answer, which
   * is safe but holds the slot for the answer's time too.
   */
  onSent?: () => void;
}

/** Last.fm's answer as it came, before it is read: whatever the status, the body is kept. */
export interface RawAnswer {
  status: number;
  data: unknown;
}

/**
 * Sends one request and hands back the answer unread, whatever its status. Replace it to use
 * another HTTP client (fetch, undici, a recording stub). When no answer comes, throw an
 * HttpTransportError so the caller can tell a timeout from a network failure. Call the request's
 * `onSent` when its bytes are on the connection, if the client can tell (fetch cannot): without
 * it the call's slot is counted from the answer.
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

/** The default transport: axios over keep-alive agents, no redirects, a cap on the answer's size. */
export function createAxiosTransport(options: AxiosTransportOptions): HttpTransport {
  const client = keepAliveHttp(options.userAgent, options.timeoutMs);
  return {
    async send({ method, url, body, headers, signal, onSent }) {
      const config = { headers, signal, ...(onSent === undefined ? {} : { transport: toldWhenWritten(onSent) }) };
      try {
        const response = method === 'POST' ? await client.post<unknown>(url, body, config) : await client.get<unknown>(url, config);
        return { status: response.status, data: response.data };
      } catch (error) {
        const timedOut = isAxiosError(error) && (error.code === 'ECONNABORTED' || error.code === 'ETIMEDOUT' || error.code === 'ERR_CANCELED');
        // The axios error is not kept as `cause`: its config holds the signed body (token, password, sk).
        throw new HttpTransportError(timedOut ? 'timeout' : 'network', isAxiosError(error) ? error.code : 'request failed');
      }
    },
  };
}

/**
 * node:http or node:https as axios would pick them (maxRedirects 0), telling `onSent` when the
 * request emits 'finish': its last bytes were handed to the socket, which happens only once the
 * socket is connected (and, over TLS, past the handshake). axios passes its options, agent
 * included, straight through. The one thing axios does differently for a transport not its own is
 * to skip a wall-clock timer for the connect phase; the request's own signal bounds the whole
 * call here instead.
 */
function toldWhenWritten(onSent: () => void): { request: (options: RequestOptions, onAnswer: (answer: IncomingMessage) => void) => ClientRequest } {
  return {
    request(options, onAnswer) {
      const request = (options.protocol === 'https:' ? https : http).request(options, onAnswer);
      request.once('finish', onSent);
      return request;
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
