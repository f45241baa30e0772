import type { LastfmError } from 'lastfm-sign-in';

// Last.fm's own failures are the library's; the app's code reads them from here with its other errors.
export { LastfmBusyError, LastfmError, LastfmUnavailableError, type BusyReason, type UnavailableReason } from 'lastfm-sign-in';

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

/**
 * The person already has as many scrobbles waiting as one person may (OUTBOX_MAX_PER_PERSON):
 * nothing of this send was queued. A 429 at the edge.
 */
export class OutboxFullError extends Error {
  override readonly name = 'OutboxFullError';
  readonly code = 'outbox-full';

  constructor(
    readonly waiting: number,
    readonly max: number,
  ) {
    super(`${waiting} scrobbles already wait; at most ${max} may`);
  }
}
