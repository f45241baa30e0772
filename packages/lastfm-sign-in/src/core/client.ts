import type { CallPriority } from './budget';
import { LastfmUnavailableError } from './errors';
import { systemClock, type Clock } from './clock';
import { field, integer, text, type JsonObject } from './parse';
import { retryable, type RetryClass } from './retry-class';
import { DEFAULT_RETRY_POLICY, withRetry, type RetryPolicy } from './retry';
import { MAX_SCROBBLES_PER_CALL, MAX_TAGS_PER_CALL, scrobbleParams, tagTargetParams, type TagTarget } from './call-params';
import type { Params } from './signature';
import type { LastfmTransport } from './transport';
import {
  parseNowPlaying,
  parseProfile,
  parseRecentTracks,
  parseScrobblePage,
  parseScrobbleResult,
  parseTopTags,
  type NowPlayingResult,
  type Profile,
  type RecentTrack,
  type ScrobblePage,
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
  transport: LastfmTransport;
  /** Where people approve this app (Last.fm's /api/auth/). */
  authUrl: string;
  retryPolicy?: RetryPolicy;
  /** Injectable time, so tests need not wait out real backoff delays. */
  clock?: Clock;
}

export interface NowPlaying {
  artist: string;
  track: string;
  album?: string | undefined;
  /** Seconds. */
  duration?: number | undefined;
}

/**
 * Last.fm's web service as typed methods: authorize URLs, then one method per call, each saying
 * which failures it may retry. Signing, scheduling, timeouts and reading answers are the transport's.
 */
export class LastfmClient {
  readonly apiKey: string;
  /** What carries the calls; for a host that needs Last.fm's raw answer (a setup check, say). */
  readonly transport: LastfmTransport;

  constructor(private readonly options: LastfmClientOptions) {
    this.transport = options.transport;
    this.apiKey = options.transport.apiKey;
  }

  /** This client for one incoming request (see LastfmTransport.forRequest). */
  forRequest(requestId: string | undefined, caller?: string): LastfmClient {
    return new LastfmClient({ ...this.options, transport: this.transport.forRequest(requestId, caller) });
  }

  /** Web flow: Last.fm sends the person back to `callbackUrl` with `token` added. */
  webAuthorizeUrl(callbackUrl: string): URL {
    const url = new URL(this.options.authUrl);
    url.searchParams.set('api_key', this.apiKey);
    url.searchParams.set('cb', callbackUrl);
    return url;
  }

  /** Desktop flow: the person approves a token fetched with getToken. */
  desktopAuthorizeUrl(token: string): URL {
    const url = new URL(this.options.authUrl);
    url.searchParams.set('api_key', this.apiKey);
    url.searchParams.set('token', token);
    return url;
  }

  async getToken(): Promise<string> {
    const body = await this.transport.call('auth.getToken', {}, { httpMethod: 'GET' });
    const token = text(body.token);
    if (token === undefined || token === '') throw new LastfmUnavailableError('unexpected-shape', 'auth.getToken', { detail: 'no token' });
    return token;
  }

  /** Exchanges an authorized token for a session key; the token is spent by this call. */
  async getSession(token: string): Promise<LastfmSession> {
    return parseSession(await this.transport.call('auth.getSession', { token }, { httpMethod: 'GET' }), 'auth.getSession');
  }

  /** Password flow: always a POST, so the password never lands in a URL. */
  async getMobileSession(username: string, password: string): Promise<LastfmSession> {
    return parseSession(await this.transport.call('auth.getMobileSession', { username, password }, { httpMethod: 'POST' }), 'auth.getMobileSession');
  }

  /** Public profile data; a read, so signed but without the session key. */
  async getProfile(user: string): Promise<Profile> {
    return parseProfile(await this.retrying('safe', 'user.getInfo', { user }, 'GET'));
  }

  /** Newest first; a track playing now comes first and has no time. */
  async getRecentTracks(user: string, limit = 10): Promise<RecentTrack[]> {
    return parseRecentTracks(await this.retrying('safe', 'user.getRecentTracks', { user, limit, extended: 1 }, 'GET'));
  }

  /**
   * One page of the person's scrobbles played between `from` and `to` (UTC seconds, both
   * included), newest first, and how many pages the range has: for checking what Last.fm already
   * holds before sending plays again.
   */
  async getScrobblesBetween(user: string, range: { from: number; to: number; page?: number; limit?: number }): Promise<ScrobblePage> {
    const { from, to, page = 1, limit = 200 } = range;
    return parseScrobblePage(await this.retrying('safe', 'user.getRecentTracks', { user, from, to, page, limit }, 'GET'));
  }

  /** The tags this person has used most, with how many items carry each. */
  async getTopTags(user: string, limit = 20): Promise<TopTag[]> {
    return parseTopTags(await this.retrying('safe', 'user.getTopTags', { user, limit }, 'GET'));
  }

  async love(sessionKey: string, artist: string, track: string): Promise<void> {
    await this.retrying('safe', 'track.love', { artist, track, sk: sessionKey }, 'POST');
  }

  async unlove(sessionKey: string, artist: string, track: string): Promise<void> {
    await this.retrying('safe', 'track.unlove', { artist, track, sk: sessionKey }, 'POST');
  }

  /** Never retried: a late now-playing is wrong, and Last.fm forgets it within minutes anyway. */
  async updateNowPlaying(sessionKey: string, playing: NowPlaying): Promise<NowPlayingResult> {
    const { artist, track, album, duration } = playing;
    return parseNowPlaying(await this.retrying('never', 'track.updateNowPlaying', { artist, track, album, duration, sk: sessionKey }, 'POST'));
  }

  /**
   * Scrobbles oldest first, in calls of at most 50 with indexed names (`artist[0]`…). An ignored
   * scrobble is not an error: it comes back in the result with its reason.
   */
  async scrobble(sessionKey: string, items: readonly ScrobbleItem[]): Promise<ScrobbleResult> {
    const ordered = [...items].sort((a, b) => a.timestamp - b.timestamp);
    const total: ScrobbleResult = { accepted: 0, ignored: 0, items: [] };
    for (let start = 0; start < ordered.length; start += MAX_SCROBBLES_PER_CALL) {
      const params = scrobbleParams(sessionKey, ordered.slice(start, start + MAX_SCROBBLES_PER_CALL));
      const result = parseScrobbleResult(await this.retrying('scrobble', 'track.scrobble', params, 'POST'));
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
    const params = scrobbleParams(sessionKey, [...items].sort((a, b) => a.timestamp - b.timestamp));
    return parseScrobbleResult(await this.transport.call('track.scrobble', params, { httpMethod: 'POST', ...options }));
  }

  async addTags(sessionKey: string, target: TagTarget, tags: readonly string[]): Promise<void> {
    if (tags.length === 0 || tags.length > MAX_TAGS_PER_CALL) throw new RangeError(`addTags takes 1 to ${MAX_TAGS_PER_CALL} tags`);
    await this.retrying('safe', `${target.type}.addTags`, { ...tagTargetParams(target), tags: tags.join(','), sk: sessionKey }, 'POST');
  }

  async removeTag(sessionKey: string, target: TagTarget, tag: string): Promise<void> {
    await this.retrying('safe', `${target.type}.removeTag`, { ...tagTargetParams(target), tag, sk: sessionKey }, 'POST');
  }

  /**
   * Any other web service method, signed: Last.fm's answer as JSON. It is a POST when it carries a
   * session key (or `httpMethod` says so), and tried once unless `retry` names the failures that may
   * be retried (see RetryClass: only say 'safe' when repeating the call does no harm).
   */
  call(method: string, params: Params, options: { httpMethod?: 'GET' | 'POST'; retry?: RetryClass } = {}): Promise<JsonObject> {
    return this.retrying(options.retry ?? 'never', method, params, options.httpMethod ?? ('sk' in params ? 'POST' : 'GET'));
  }

  /** One call, tried again on the failures its retry class allows, within the retry policy. */
  private retrying(retryClass: RetryClass, method: string, params: Params, httpMethod: 'GET' | 'POST'): Promise<JsonObject> {
    const { retryPolicy = DEFAULT_RETRY_POLICY, clock = systemClock } = this.options;
    return withRetry(() => this.transport.call(method, params, { httpMethod }), { policy: retryPolicy, clock, shouldRetry: (error) => retryable(retryClass, error) });
  }
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
