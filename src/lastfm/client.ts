import http from 'node:http';
import https from 'node:https';
import axios, { type AxiosInstance, isAxiosError } from 'axios';
import { LastfmError, LastfmUnavailableError } from '../errors';
import { field, integer, isObject, text, type Json, type JsonObject } from './parse';
import { cleanParams, type Params, type Signer } from './signature';

export interface LastfmSession {
  /** The canonical user name, from Last.fm's answer (not what anyone typed). */
  name: string;
  /** The session key: keep it on the server. */
  key: string;
  subscriber: boolean;
}

export interface LastfmClientOptions {
  apiKey: string;
  apiUrl: string;
  authUrl: string;
  signer: Signer;
  userAgent: string;
  timeoutMs: number;
  /** Overrides the keep-alive axios instance (tests). */
  http?: AxiosInstance;
  /** Told about every web service call once it ends (for logs); never given the parameters. */
  onCall?: (event: LastfmCallEvent) => void;
}

/** What a finished call looked like: no parameters, so nothing secret. */
export interface LastfmCallEvent {
  method: string;
  durationMs: number;
  outcome: 'ok' | 'lastfm-error' | 'unavailable';
  /** Last.fm's error number, for `lastfm-error`. */
  code?: number;
  /** Why no usable answer came, for `unavailable`. */
  reason?: string;
  httpStatus?: number;
}

type HttpMethod = 'GET' | 'POST';

interface CallOptions {
  httpMethod: HttpMethod;
  signed: boolean;
}

/** Talks Last.fm's web service: builds authorize URLs, signs calls, turns answers into typed results or errors. */
export class LastfmClient {
  readonly apiKey: string;
  private readonly apiUrl: string;
  private readonly authUrl: string;
  private readonly signer: Signer;
  private readonly http: AxiosInstance;
  private readonly onCall: ((event: LastfmCallEvent) => void) | undefined;

  constructor(options: LastfmClientOptions) {
    this.onCall = options.onCall;
    this.apiKey = options.apiKey;
    this.apiUrl = options.apiUrl;
    this.authUrl = options.authUrl;
    this.signer = options.signer;
    this.http =
      options.http ??
      axios.create({
        timeout: options.timeoutMs,
        httpAgent: new http.Agent({ keepAlive: true, maxSockets: 32 }),
        httpsAgent: new https.Agent({ keepAlive: true, maxSockets: 32 }),
        headers: { 'User-Agent': options.userAgent, Accept: 'application/json' },
        // The body is read whatever the status: Last.fm sends errors with 200, 4xx and 5xx alike.
        validateStatus: () => true,
        responseType: 'text',
        transformResponse: [(data: unknown) => data],
        maxRedirects: 0,
      });
  }

  /** Web flow: Last.fm sends the person back to `callbackUrl` with `token` added. */
  webAuthorizeUrl(callbackUrl: string): URL {
    const url = new URL(this.authUrl);
    url.searchParams.set('api_key', this.apiKey);
    url.searchParams.set('cb', callbackUrl);
    return url;
  }

  /** Desktop flow: the person approves a token fetched with getToken. */
  desktopAuthorizeUrl(token: string): URL {
    const url = new URL(this.authUrl);
    url.searchParams.set('api_key', this.apiKey);
    url.searchParams.set('token', token);
    return url;
  }

  async getToken(): Promise<string> {
    const body = await this.call('auth.getToken', {}, { httpMethod: 'GET', signed: true });
    const token = text(body.token);
    if (token === undefined || token === '') throw new LastfmUnavailableError('unexpected-shape', 'auth.getToken', { detail: 'no token' });
    return token;
  }

  /** Exchanges an authorized token for a session key; the token is spent by this call. */
  async getSession(token: string): Promise<LastfmSession> {
    const body = await this.call('auth.getSession', { token }, { httpMethod: 'GET', signed: true });
    return parseSession(body, 'auth.getSession');
  }

  /** Password flow: always a POST, so the password never lands in a URL. */
  async getMobileSession(username: string, password: string): Promise<LastfmSession> {
    const body = await this.call('auth.getMobileSession', { username, password }, { httpMethod: 'POST', signed: true });
    return parseSession(body, 'auth.getMobileSession');
  }

  /** One web service call, timed and reported to `onCall`. */
  protected async call(method: string, params: Params, options: CallOptions): Promise<JsonObject> {
    if (this.onCall === undefined) return this.send(method, params, options);
    const started = performance.now();
    const report = (event: Omit<LastfmCallEvent, 'method' | 'durationMs'>) => {
      this.onCall?.({ method, durationMs: Math.round(performance.now() - started), ...event });
    };
    try {
      const body = await this.send(method, params, options);
      report({ outcome: 'ok' });
      return body;
    } catch (error) {
      if (error instanceof LastfmError) report({ outcome: 'lastfm-error', code: error.code, httpStatus: error.httpStatus });
      else if (error instanceof LastfmUnavailableError) report({ outcome: 'unavailable', reason: error.reason, ...(error.httpStatus === undefined ? {} : { httpStatus: error.httpStatus }) });
      throw error;
    }
  }

  /**
   * Sends one web service call. Anything carrying a session key or password goes in a POST body so it
   * never appears in a URL (and so in no proxy or server log).
   */
  private async send(method: string, params: Params, options: CallOptions): Promise<JsonObject> {
    const base = cleanParams({ ...params, method, api_key: this.apiKey });
    const signed = options.signed ? this.signer.sign(base) : base;
    const all = { ...signed, format: 'json' };
    const httpMethod = 'sk' in all || 'password' in all ? 'POST' : options.httpMethod;
    const encoded = new URLSearchParams(all).toString();

    let status: number;
    let data: unknown;
    try {
      const response =
        httpMethod === 'POST'
          ? await this.http.post<unknown>(this.apiUrl, encoded, {
              headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=UTF-8' },
            })
          : await this.http.get<unknown>(`${this.apiUrl}?${encoded}`);
      status = response.status;
      data = response.data;
    } catch (error) {
      const timedOut = isAxiosError(error) && (error.code === 'ECONNABORTED' || error.code === 'ETIMEDOUT');
      // The axios error is not kept as `cause`: its config holds the signed body (token, password, sk).
      throw new LastfmUnavailableError(timedOut ? 'timeout' : 'network', method, { detail: isAxiosError(error) ? error.code : 'request failed' });
    }
    return interpretResponse(method, status, data);
  }
}

/** Reads Last.fm's body whatever the HTTP status; only a JSON error object counts as a protocol error. */
export function interpretResponse(method: string, status: number, data: unknown): JsonObject {
  let body: Json;
  try {
    body = typeof data === 'string' ? (JSON.parse(data) as Json) : (data as Json);
  } catch {
    throw new LastfmUnavailableError(status >= 500 ? 'http-status' : 'not-json', method, { httpStatus: status });
  }
  if (!isObject(body)) throw new LastfmUnavailableError('not-json', method, { httpStatus: status });
  const code = integer(body.error);
  if (code !== undefined) throw new LastfmError(code, text(body.message) ?? 'no message', method, status);
  if (status >= 500) throw new LastfmUnavailableError('http-status', method, { httpStatus: status });
  return body;
}

function parseSession(body: JsonObject, method: string): LastfmSession {
  const session = body.session;
  const name = text(field(session, 'name'));
  const key = text(field(session, 'key'));
  if (name === undefined || name === '' || key === undefined || key === '') {
    throw new LastfmUnavailableError('unexpected-shape', method, { detail: 'no session name or key' });
  }
  return { name, key, subscriber: (integer(field(session, 'subscriber')) ?? 0) > 0 };
}
