import http from 'node:http';
import https from 'node:https';
import axios, { type AxiosInstance, isAxiosError } from 'axios';
import { LastfmError, LastfmUnavailableError } from '../errors';
import { systemClock, type Clock } from './clock';
import { field, integer, isObject, text, type Json, type JsonObject } from './parse';
import { DEFAULT_RETRY_POLICY, withRetry, type RetryPolicy } from './retry';
import { cleanParams, type Params, type Signer } from './signature';
import { CallScheduler } from './scheduler';
import { MemoryBudget } from '../shared-state/memory-state';
import type { CallPriority } from '../shared-state/shared-state';
import {
  parseNowPlaying,
  parseProfile,
  parseRecentTracks,
  parseScrobbleResult,
  parseTopTags,
  type NowPlayingResult,
  type Profile,
  type RecentTrack,
  type ScrobbleItem,
  type ScrobbleResult,
  type TopTag,
} from './user-data';

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
  /**
   * Told about every web service call once it ends (for logs), with the id of the request that
   * made it (see `forRequest`); never given the parameters.
   */
  onCall?: (event: LastfmCallEvent, requestId: string | undefined) => void;
  /**
   * Decides when each call may go, over the call budget every instance shares. Without one, the
   * client keeps a budget of its own of `rateLimitPerSecond` (default 5) calls per second.
   */
  scheduler?: CallScheduler;
  rateLimitPerSecond?: number;
  /** How long to send nothing after Last.fm answers error 29 (default 30 s). */
  rateLimitBackOffMs?: number;
  retryPolicy?: RetryPolicy;
  /** Injectable time and randomness, so tests need not wait out real backoff delays. */
  clock?: Clock;
  random?: () => number;
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

/** Far above any answer this app asks for; a bigger one is refused rather than read into memory. */
const MAX_RESPONSE_BYTES = 2 * 1024 * 1024;

/** Last.fm takes at most this many scrobbles per call. */
export const MAX_SCROBBLES_PER_CALL = 50;
/** Last.fm takes at most this many tags per addTags call. */
export const MAX_TAGS_PER_CALL = 10;

export type TagTarget = { type: 'artist'; artist: string } | { type: 'album'; artist: string; album: string } | { type: 'track'; artist: string; track: string };

export interface NowPlaying {
  artist: string;
  track: string;
  album?: string | undefined;
  /** Seconds. */
  duration?: number | undefined;
}

/**
 * Which failures a call may retry. Reads and idempotent writes (love, tags) retry on temporary
 * errors and on no answer; a scrobble only on 11/16, which prove it was not recorded (a timeout
 * might hide a recorded one, and a retry would count it twice); now-playing never.
 */
type RetryClass = 'safe' | 'scrobble' | 'never';

const TEMPORARY_CODES = new Set([8, 11, 16]);
const SCROBBLE_RETRY_CODES = new Set([11, 16]);

function retryable(retryClass: RetryClass, error: unknown): boolean {
  if (retryClass === 'never') return false;
  if (error instanceof LastfmError) return (retryClass === 'safe' ? TEMPORARY_CODES : SCROBBLE_RETRY_CODES).has(error.code);
  // An answer we could not use still proves Last.fm handled the call: never repeat it.
  return retryClass === 'safe' && error instanceof LastfmUnavailableError && error.reason !== 'unexpected-shape';
}

type HttpMethod = 'GET' | 'POST';

interface CallOptions {
  httpMethod: HttpMethod;
  signed: boolean;
  /** Overrides the priority the method and parameters imply (the outbox's background deliveries). */
  priority?: CallPriority;
  /** Runs once a slot is granted, just before sending; a throw abandons the call unsent. */
  beforeSend?: () => Promise<void>;
}

/** Talks Last.fm's web service: builds authorize URLs, signs calls, turns answers into typed results or errors. */
export class LastfmClient {
  readonly apiKey: string;
  private readonly apiUrl: string;
  private readonly authUrl: string;
  private readonly signer: Signer;
  private readonly http: AxiosInstance;
  private readonly onCall: ((event: LastfmCallEvent, requestId: string | undefined) => void) | undefined;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly retryPolicy: RetryPolicy;
  private readonly scheduler: CallScheduler;
  private readonly rateLimitBackOffMs: number;
  private readonly timeoutMs: number;
  /** Set only on the views `forRequest` makes. */
  private requestId: string | undefined;
  private caller: string | undefined;

  constructor(options: LastfmClientOptions) {
    this.onCall = options.onCall;
    this.apiKey = options.apiKey;
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.retryPolicy = options.retryPolicy ?? DEFAULT_RETRY_POLICY;
    this.scheduler =
      options.scheduler ??
      new CallScheduler({ budget: new MemoryBudget({ perSecond: options.rateLimitPerSecond ?? 5, leaseMs: options.timeoutMs + 1000 }, Date.now), clock: systemClock });
    this.rateLimitBackOffMs = options.rateLimitBackOffMs ?? 30_000;
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
        maxContentLength: MAX_RESPONSE_BYTES,
        maxBodyLength: MAX_RESPONSE_BYTES,
      });
    this.timeoutMs = options.timeoutMs;
  }

  /**
   * This client for one incoming request: calls made through it reach `onCall` with that request's
   * id, and the scheduler counts them against `caller` (the browser session, or the address when
   * signed out), so no one caller can fill the queue. It is a view on this object (its
   * prototype), so connections, scheduler and back-off stay shared. The id is passed this way rather than through AsyncLocalStorage, whose promise hooks
   * on Node 20 cost every promise in the process: about a tenth of a page view's CPU.
   */
  forRequest(requestId: string | undefined, caller?: string): LastfmClient {
    const scoped = Object.create(this) as LastfmClient;
    scoped.requestId = requestId;
    scoped.caller = caller;
    return scoped;
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
      this.onCall?.({ method, durationMs: Math.round(performance.now() - started), ...event }, this.requestId);
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

    const release = await this.scheduler.acquire({ method, priority: options.priority ?? priorityOf(method, all), caller: this.caller });
    if (options.beforeSend !== undefined) {
      try {
        await options.beforeSend();
      } catch (error) {
        release();
        throw error;
      }
    }

    let status: number;
    let data: unknown;
    try {
      // axios's `timeout` only notices an idle socket; this bounds the whole call, so a server
      // that trickles bytes cannot hold it open.
      const signal = AbortSignal.timeout(this.timeoutMs);
      const response =
        httpMethod === 'POST'
          ? await this.http.post<unknown>(this.apiUrl, encoded, {
              headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=UTF-8' },
              signal,
            })
          : await this.http.get<unknown>(`${this.apiUrl}?${encoded}`, { signal });
      status = response.status;
      data = response.data;
    } catch (error) {
      const timedOut = isAxiosError(error) && (error.code === 'ECONNABORTED' || error.code === 'ETIMEDOUT' || error.code === 'ERR_CANCELED');
      // The axios error is not kept as `cause`: its config holds the signed body (token, password, sk).
      throw new LastfmUnavailableError(timedOut ? 'timeout' : 'network', method, { detail: isAxiosError(error) ? error.code : 'request failed' });
    } finally {
      release();
    }
    try {
      return interpretResponse(method, status, data);
    } catch (error) {
      if (error instanceof LastfmError && error.code === 29) await this.scheduler.backOff(this.rateLimitBackOffMs).catch(() => undefined);
      throw error;
    }
  }

  private retrying<T>(retryClass: RetryClass, work: () => Promise<T>): Promise<T> {
    return withRetry(work, { policy: this.retryPolicy, clock: this.clock, random: this.random, shouldRetry: (error) => retryable(retryClass, error) });
  }

  /** Public profile data; a read, so unsigned and without the session key. */
  async getProfile(user: string): Promise<Profile> {
    const body = await this.retrying('safe', () => this.call('user.getInfo', { user }, { httpMethod: 'GET', signed: true }));
    return parseProfile(body);
  }

  /** Newest first; a track playing now comes first and has no time. */
  async getRecentTracks(user: string, limit = 10): Promise<RecentTrack[]> {
    const body = await this.retrying('safe', () => this.call('user.getRecentTracks', { user, limit, extended: 1 }, { httpMethod: 'GET', signed: true }));
    return parseRecentTracks(body);
  }

  /** The tags this person has used most, with how many items carry each. */
  async getTopTags(user: string, limit = 20): Promise<TopTag[]> {
    const body = await this.retrying('safe', () => this.call('user.getTopTags', { user, limit }, { httpMethod: 'GET', signed: true }));
    return parseTopTags(body);
  }

  async love(sessionKey: string, artist: string, track: string): Promise<void> {
    await this.retrying('safe', () => this.call('track.love', { artist, track, sk: sessionKey }, { httpMethod: 'POST', signed: true }));
  }

  async unlove(sessionKey: string, artist: string, track: string): Promise<void> {
    await this.retrying('safe', () => this.call('track.unlove', { artist, track, sk: sessionKey }, { httpMethod: 'POST', signed: true }));
  }

  /** Never retried: a late now-playing is wrong, and Last.fm forgets it within minutes anyway. */
  async updateNowPlaying(sessionKey: string, playing: NowPlaying): Promise<NowPlayingResult> {
    const body = await this.call(
      'track.updateNowPlaying',
      { artist: playing.artist, track: playing.track, album: playing.album, duration: playing.duration, sk: sessionKey },
      { httpMethod: 'POST', signed: true },
    );
    return parseNowPlaying(body);
  }

  /**
   * Scrobbles oldest first, in calls of at most 50 with indexed names (`artist[0]`…). An ignored
   * scrobble is not an error: it comes back in the result with its reason.
   */
  async scrobble(sessionKey: string, items: readonly ScrobbleItem[]): Promise<ScrobbleResult> {
    const ordered = [...items].sort((a, b) => a.timestamp - b.timestamp);
    const total: ScrobbleResult = { accepted: 0, ignored: 0, items: [] };
    for (let start = 0; start < ordered.length; start += MAX_SCROBBLES_PER_CALL) {
      const params: Params = { sk: sessionKey };
      ordered.slice(start, start + MAX_SCROBBLES_PER_CALL).forEach((item, i) => {
        params[`artist[${i}]`] = item.artist;
        params[`track[${i}]`] = item.track;
        params[`timestamp[${i}]`] = item.timestamp;
        params[`album[${i}]`] = item.album;
      });
      const body = await this.retrying('scrobble', () => this.call('track.scrobble', params, { httpMethod: 'POST', signed: true }));
      const result = parseScrobbleResult(body);
      total.accepted += result.accepted;
      total.ignored += result.ignored;
      total.items.push(...result.items);
    }
    return total;
  }

  /**
   * One track.scrobble call of at most 50, oldest first, sent once and never retried here: the
   * outbox decides what a failure means and when to try again.
   */
  async scrobbleCall(sessionKey: string, items: readonly ScrobbleItem[], options: { priority?: CallPriority; beforeSend?: () => Promise<void> } = {}): Promise<ScrobbleResult> {
    if (items.length === 0 || items.length > MAX_SCROBBLES_PER_CALL) throw new RangeError(`a scrobble call carries 1 to ${MAX_SCROBBLES_PER_CALL} scrobbles`);
    const params: Params = { sk: sessionKey };
    [...items]
      .sort((a, b) => a.timestamp - b.timestamp)
      .forEach((item, i) => {
        params[`artist[${i}]`] = item.artist;
        params[`track[${i}]`] = item.track;
        params[`timestamp[${i}]`] = item.timestamp;
        params[`album[${i}]`] = item.album;
      });
    return parseScrobbleResult(await this.call('track.scrobble', params, { httpMethod: 'POST', signed: true, ...options }));
  }

  async addTags(sessionKey: string, target: TagTarget, tags: readonly string[]): Promise<void> {
    if (tags.length === 0 || tags.length > MAX_TAGS_PER_CALL) throw new RangeError(`addTags takes 1 to ${MAX_TAGS_PER_CALL} tags`);
    await this.retrying('safe', () => this.call(`${target.type}.addTags`, { ...tagTargetParams(target), tags: tags.join(','), sk: sessionKey }, { httpMethod: 'POST', signed: true }));
  }

  async removeTag(sessionKey: string, target: TagTarget, tag: string): Promise<void> {
    await this.retrying('safe', () => this.call(`${target.type}.removeTag`, { ...tagTargetParams(target), tag, sk: sessionKey }, { httpMethod: 'POST', signed: true }));
  }
}

/**
 * Sign-in exchanges first, then writes (they carry the session key), then reads. A desktop token
 * (auth.getToken) counts as a read: nobody is signed in by it yet, and anyone can ask for one,
 * so a flood of them must not go before other people's writes.
 */
function priorityOf(method: string, params: Params): CallPriority {
  if (method === 'auth.getSession' || method === 'auth.getMobileSession') return 'sign-in';
  return 'sk' in params ? 'write' : 'read';
}

function tagTargetParams(target: TagTarget): Params {
  switch (target.type) {
    case 'artist':
      return { artist: target.artist };
    case 'album':
      return { artist: target.artist, album: target.album };
    case 'track':
      return { artist: target.artist, track: target.track };
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
