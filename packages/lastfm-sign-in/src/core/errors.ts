import { kindOfCode } from './error-codes';

/** Codes after which trying the same call again later may succeed: temporary failures and the rate limit. */
const RETRYABLE_CODES = new Set([8, 11, 16, 29]);

/** Last.fm answered with `{"error": N, "message": "..."}`. */
export class LastfmError extends Error {
  override readonly name = 'LastfmError';
  readonly code: number;
  readonly method: string;
  readonly httpStatus: number;
  /** Last.fm's own words, without the method and code: what pages and the outbox show. */
  readonly lastfmMessage: string;

  constructor(code: number, message: string, method: string, httpStatus: number) {
    super(`Last.fm ${method} failed with error ${code}: ${message}`);
    this.lastfmMessage = message;
    this.code = code;
    this.method = method;
    this.httpStatus = httpStatus;
  }

  /** A retry may help (8, 11, 16; 29 once the pause is over); any other code will come back the same. */
  get retryable(): boolean {
    return RETRYABLE_CODES.has(this.code);
  }

  /**
   * A 29 about one person, not the API key: Last.fm's daily cap on each account's scrobbles (about
   * 2,800 a day across every app they use) is answered with error 29 and "Too many scrobbles".
   * Pausing the whole key for it would stall everyone's calls while that person waits anyway.
   */
  get personalLimit(): boolean {
    return this.code === 29 && this.method === 'track.scrobble' && /too many scrobbles/i.test(this.lastfmMessage);
  }

  /**
   * The session key no longer works: 9, or 4 on a call that carried one (Last.fm sends either).
   * The auth.* methods carry no session key, so their 4 means a bad token or password instead.
   */
  get revoked(): boolean {
    const kind = kindOfCode(this.code);
    return kind === 'session-invalid' || (kind === 'auth-failed' && !this.method.startsWith('auth.'));
  }
}

export type UnavailableReason = 'network' | 'timeout' | 'http-status' | 'not-json' | 'unexpected-shape';

/** Last.fm could not be reached or gave no usable answer: a temporary failure, not a protocol error. */
export class LastfmUnavailableError extends Error {
  override readonly name = 'LastfmUnavailableError';
  readonly reason: UnavailableReason;
  readonly method: string;
  readonly httpStatus: number | undefined;
  /** What went wrong underneath, when known: a system error code such as ECONNREFUSED. */
  readonly detail: string | undefined;

  constructor(reason: UnavailableReason, method: string, options: { httpStatus?: number; cause?: unknown; detail?: string } = {}) {
    super(`Last.fm ${method} unavailable (${reason}${options.detail ? `: ${options.detail}` : ''})`, { cause: options.cause });
    this.reason = reason;
    this.method = method;
    ({ httpStatus: this.httpStatus, detail: this.detail } = options);
  }
}

/**
 * Why a Last.fm call was never sent: the call scheduler refused it. `client-limit`: this caller
 * (browser session or address) already has as many calls waiting as it may; `deadline`: no slot in
 * Last.fm's rate budget came up in time; `queue-full`: too many calls are waiting on this instance.
 */
export type BusyReason = 'client-limit' | 'deadline' | 'queue-full';

/** A call that was not sent because the shared budget had no room for it in time; nothing reached Last.fm. */
export class LastfmBusyError extends Error {
  override readonly name = 'LastfmBusyError';
  readonly reason: BusyReason;
  readonly method: string;
  /** When asking again has a fair chance. */
  readonly retryAfterMs: number;

  constructor(reason: BusyReason, method: string, retryAfterMs: number) {
    super(`Last.fm ${method} not sent (${reason})`);
    this.reason = reason;
    this.method = method;
    this.retryAfterMs = retryAfterMs;
  }
}
