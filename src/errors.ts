/** A link offered on an error page, e.g. "Start sign-in again". */
export interface ErrorAction {
  href: string;
  label: string;
}

/** An error whose message is safe to show to the person; anything else becomes a generic 500 page. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  readonly status: number;
  readonly title: string;
  readonly action: ErrorAction | undefined;
  /** Sent as Retry-After: when asking again has a fair chance. */
  readonly retryAfterSeconds: number | undefined;

  constructor(status: number, title: string, message: string, options: { action?: ErrorAction; cause?: unknown; retryAfterSeconds?: number } = {}) {
    super(message, { cause: options.cause });
    this.status = status;
    this.title = title;
    this.action = options.action;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

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
}

/**
 * Last.fm no longer accepts the signed-in person's session key (error 9, or 4 on their calls): they
 * are signed out here, and `held` scrobbles wait in the outbox for their next sign-in.
 */
export class AccessRevokedError extends Error {
  override readonly name = 'AccessRevokedError';
  readonly held: number;

  constructor(options: { cause?: LastfmError; held?: number } = {}) {
    super('Last.fm access was revoked', { cause: options.cause });
    this.held = options.held ?? 0;
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

/** The configuration cannot start the app; `problems` holds one sentence per bad variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
    this.problems = problems;
  }
}

/**
 * Why a Last.fm call was never sent: this app's own call scheduler refused it. `client-limit`:
 * this browser (or address) already has as many calls waiting as it may; `deadline`: no slot in
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

/**
 * The session store gave an error or no answer in time (the cause says which). Temporary, so
 * the edge answers 503, never 500. Thrown or called back by the stores and whatever asks them.
 */
export class SessionStoreUnavailableError extends Error {
  override readonly name = 'SessionStoreUnavailableError';
  readonly code = 'session-store-unavailable';

  constructor(cause: unknown) {
    super('the session store could not answer', { cause });
  }

  /** `cause` as this error, wrapped once: a store call that fails inside another stays one failure. */
  static from(cause: unknown): SessionStoreUnavailableError {
    return cause instanceof SessionStoreUnavailableError ? cause : new SessionStoreUnavailableError(cause);
  }
}

/** A store (or another dependency asked with a deadline) did not answer within `ms`. */
export class StoreTimeoutError extends Error {
  override readonly name = 'StoreTimeoutError';
  readonly code = 'store-timeout';

  constructor(readonly ms: number) {
    super(`the session store did not answer within ${ms} ms`);
  }
}

/**
 * Input a form or request could not be taken with; `message` names the field in the form's words.
 * `form` and `values` are set when it came from one of the signed-in home's forms, so that form
 * can be shown again with the message beside it and what was typed. A 400 at the edge.
 */
export class InputError extends Error {
  override readonly name = 'InputError';
  readonly code = 'bad-input';
  form: string | undefined;
  values: Record<string, string> | undefined;

  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}
