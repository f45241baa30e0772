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

  constructor(status: number, title: string, message: string, options: { action?: ErrorAction; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.status = status;
    this.title = title;
    this.action = options.action;
  }
}

/** Last.fm answered with `{"error": N, "message": "..."}`. */
export class LastfmError extends Error {
  override readonly name = 'LastfmError';
  readonly code: number;
  readonly method: string;
  readonly httpStatus: number;

  constructor(code: number, message: string, method: string, httpStatus: number) {
    super(`Last.fm ${method} failed with error ${code}: ${message}`);
    this.code = code;
    this.method = method;
    this.httpStatus = httpStatus;
  }
}

export type UnavailableReason = 'network' | 'timeout' | 'http-status' | 'not-json' | 'unexpected-shape';

/** Last.fm could not be reached or gave no usable answer: a temporary failure, not a protocol error. */
export class LastfmUnavailableError extends Error {
  override readonly name = 'LastfmUnavailableError';
  readonly reason: UnavailableReason;
  readonly method: string;
  readonly httpStatus: number | undefined;

  constructor(reason: UnavailableReason, method: string, options: { httpStatus?: number; cause?: unknown; detail?: string } = {}) {
    super(`Last.fm ${method} unavailable (${reason}${options.detail ? `: ${options.detail}` : ''})`, { cause: options.cause });
    this.reason = reason;
    this.method = method;
    this.httpStatus = options.httpStatus;
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
