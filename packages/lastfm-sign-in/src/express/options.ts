import type { Request, Response } from 'express';
import { KeySealer, MemoryAttempts, MemoryExchanges, createLastfmClient, type AttemptCounter, type AttemptLimit, type CallBudget, type LastfmClient, type TokenExchanges } from '../index';
import type { FailureMode } from './answer';

/** The person as the host sees them: never the session key. Frozen: one object serves every question in a request. */
export interface SignedInUser {
  readonly name: string;
  readonly subscriber: boolean;
  /** Milliseconds since the epoch. */
  readonly signedInAt: number;
}

/**
 * What must hold across instances besides the call budget: the desktop exchange guard and the
 * password attempt counters. `lastfm-sign-in/redis` makes one over a Redis client; the default
 * keeps them in this process.
 */
export interface SharedSignInState {
  budget?: CallBudget;
  exchanges?: TokenExchanges;
  attempts?: (name: string, limit: AttemptLimit) => AttemptCounter;
}

export interface PasswordFlowOptions {
  /** Attempts per client address and per user name; default 5 in 15 minutes each. */
  perClient?: AttemptLimit;
  perUser?: AttemptLimit;
  /** The host's page with the password form; a failure's page links back to it. Default `/`. */
  page?: string;
  /** Where under the mount path the form posts; default `/password`. */
  path?: string;
  /**
   * Signs "known device" cookies (32+ characters; default: the first encryptionKey): a browser that
   * signed in with a password has its own allowance for that user name. Without either, none are made.
   */
  deviceSecret?: string;
}

export interface DesktopFlowOptions {
  /** The host's page that lists the tokens (see `desktopTokens(req)`); browsers are sent back there. Default `/`. */
  page?: string;
  /** Where a browser goes once it made a token, e.g. `/desktop#tokens`; default `page`. */
  afterToken?: string;
  /**
   * Last.fm's "not approved yet" and "expired" answers to a browser become a one-time notice and the
   * browser goes back to `page` (post/redirect/get: a reload asks Last.fm nothing), instead of an
   * error page. The page shows `desktopNotice(req)`. JSON clients get the error either way.
   */
  notices?: boolean;
}

interface CommonOptions {
  /** The site's address as browsers see it, e.g. `https://example.org` (plus any prefix a proxy strips). */
  publicUrl: string | URL;
  /**
   * Where the router is mounted (`app.use(mountPath, lastfm.router)`), below publicUrl's path; default
   * `/auth/lastfm`. A host whose requests still carry that path (its proxy passes `/sub/auth/…`
   * through) mounts the router at the path plus mountPath, and the router takes that too.
   */
  mountPath?: string;
  /** Seals the Last.fm session key (AES-256-GCM) inside the session; newest first to rotate. At least 32 characters each. */
  encryptionKey?: string | readonly string[];
  /** `page` (default): failures get a plain page (or JSON) with the right status; `next`: they go to the host's error handler as `SignInError`. */
  failures?: FailureMode;
  /** Where the browser goes after signing out; default `/`. */
  afterSignOut?: string;
  /** The session cookie's lifetime once signed in (express-session's `cookie.maxAge`); default: left as the host set it. */
  signedInMaxAge?: number;
  /** Turns on the desktop (token-first) flow under `<mountPath>/desktop/…`. */
  desktop?: boolean | DesktopFlowOptions;
  /** Turns on the password flow at `POST <mountPath>/password` (or `password.path`). */
  password?: boolean | PasswordFlowOptions;
  /** Shares the exchange guard and attempt counters (and the budget) between instances. */
  shared?: SharedSignInState;
  /**
   * Called as a sign-in starts (a web login about to be sent to Last.fm, a desktop token about to
   * be asked for), before anything is stored or sent: throw (or reject) to refuse it, and the error
   * reaches the host's error handler as it is. For a limit on the sign-ins one address may start.
   */
  onStart?: (req: Request, res: Response) => void | Promise<void>;
  /**
   * The client for one request's sign-in calls; default the client. E.g.
   * `(req) => client.forRequest(req.id, req.ip)`, so the client's scheduler keeps one caller from
   * filling its queue and its log lines carry the request id.
   */
  requestClient?: (req: Request) => LastfmClient;
  /** Told of every sign-in once the session is saved; a failure here reaches the host's error handler. */
  onSignIn?: (user: SignedInUser, req: Request) => void | Promise<void>;
  /** Told of every sign-out of a signed-in person. */
  onSignOut?: (user: SignedInUser, req: Request) => void | Promise<void>;
  /**
   * Asked about a POST of the router (logout, desktop, password) that carries neither
   * `Sec-Fetch-Site` nor `Origin` (an old browser, a script): true lets it through. Only for a host
   * whose own CSRF check has already passed the request; default: refused.
   */
  trustWithoutOrigin?: (req: Request) => boolean;
  /** The clock; tests move it. */
  now?: () => number;
}

/** The library builds the client from the credentials. */
export interface CredentialOptions extends CommonOptions {
  apiKey: string;
  sharedSecret: string;
  /** Last.fm's web service root; default the real one (or `startSandbox().apiUrl`). */
  apiUrl?: string;
  /** Last.fm's authorize page; default the real one. */
  authUrl?: string;
  /** The call budget to share (e.g. from `lastfm-sign-in/redis`); default in memory, 5 calls a second. */
  budget?: CallBudget;
}

/** The host hands over a client it built (and shares with its own calls). */
export interface ClientOptions extends CommonOptions {
  client: LastfmClient;
  /** The web service root the client calls; only read to decide whether a password may be sent there. */
  apiUrl?: string;
}

export type LastfmSignInOptions = CredentialOptions | ClientOptions;

export interface Settings {
  client: LastfmClient;
  publicUrl: URL;
  /** publicUrl's path without its trailing slash: what a proxy strips before the host sees a path. */
  prefix: string;
  mountPath: string;
  apiUrl: string;
  sealer: KeySealer | undefined;
  failures: FailureMode;
  afterSignOut: string;
  signedInMaxAge: number | undefined;
  desktop: { page: string; afterToken: string; notices: boolean } | undefined;
  password: { perClient: AttemptCounter; perUser: AttemptCounter; page: string; path: string; deviceSecret: string | undefined } | undefined;
  exchanges: TokenExchanges;
  onStart: CommonOptions['onStart'];
  trustWithoutOrigin: CommonOptions['trustWithoutOrigin'];
  /** The client for this request's calls (`requestClient`, or the client). */
  clientOf: (req: Request) => LastfmClient;
  onSignIn: CommonOptions['onSignIn'];
  onSignOut: CommonOptions['onSignOut'];
  now: () => number;
}

const REAL_API_URL = 'https://ws.audioscrobbler.com/2.0/';
const DEFAULT_LIMIT: AttemptLimit = { max: 5, windowMs: 15 * 60 * 1000 };

/** Checks every option up front; a mistake throws a TypeError naming the option, before any request. */
export function resolveOptions(options: LastfmSignInOptions): Settings {
  // Checked as unknown: JavaScript callers have no compiler to stop them.
  const given: unknown = options;
  if (typeof given !== 'object' || given === null) throw new TypeError('lastfmSignIn: options are required');
  const publicUrl = parsePublicUrl(options.publicUrl);
  const mountPath = localPath(options.mountPath ?? '/auth/lastfm', 'mountPath').replace(/\/+$/, '');
  const failures: unknown = options.failures ?? 'page';
  if (failures !== 'page' && failures !== 'next') throw new TypeError('lastfmSignIn: failures must be "page" or "next"');
  const now = options.now ?? Date.now;
  const shared = options.shared ?? {};
  const attempts = shared.attempts ?? ((_name: string, limit: AttemptLimit): AttemptCounter => new MemoryAttempts(limit, now));

  let client: LastfmClient;
  if ('client' in options) {
    client = options.client;
  } else {
    if (typeof options.apiKey !== 'string' || options.apiKey === '') throw new TypeError('lastfmSignIn: apiKey is required (or pass client)');
    if (typeof options.sharedSecret !== 'string' || options.sharedSecret === '') throw new TypeError('lastfmSignIn: sharedSecret is required (or pass client)');
    const budget = options.budget ?? shared.budget;
    client = createLastfmClient({
      apiKey: options.apiKey,
      sharedSecret: options.sharedSecret,
      ...(options.apiUrl === undefined ? {} : { apiUrl: options.apiUrl }),
      ...(options.authUrl === undefined ? {} : { authUrl: options.authUrl }),
      ...(budget === undefined ? {} : { budget }),
    });
  }

  const keys = options.encryptionKey === undefined ? undefined : typeof options.encryptionKey === 'string' ? [options.encryptionKey] : options.encryptionKey;
  const desktopOptions = options.desktop === undefined || options.desktop === false ? undefined : options.desktop === true ? {} : options.desktop;
  const desktopPage = localPath(desktopOptions?.page ?? '/', 'desktop.page');
  const desktop =
    desktopOptions === undefined
      ? undefined
      : { page: desktopPage, afterToken: localPath(desktopOptions.afterToken ?? desktopPage, 'desktop.afterToken'), notices: desktopOptions.notices === true };
  const passwordOptions = options.password === undefined || options.password === false ? undefined : options.password === true ? {} : options.password;

  return {
    client,
    publicUrl,
    prefix: publicUrl.pathname.replace(/\/+$/, ''),
    mountPath,
    apiUrl: options.apiUrl ?? REAL_API_URL,
    sealer: keys === undefined ? undefined : sealerFor(keys),
    failures,
    afterSignOut: localPath(options.afterSignOut ?? '/', 'afterSignOut'),
    signedInMaxAge: options.signedInMaxAge,
    desktop,
    password:
      passwordOptions === undefined
        ? undefined
        : {
            perClient: attempts('lastfm-password-client', passwordOptions.perClient ?? DEFAULT_LIMIT),
            perUser: attempts('lastfm-password-user', passwordOptions.perUser ?? DEFAULT_LIMIT),
            page: localPath(passwordOptions.page ?? '/', 'password.page'),
            path: localPath(passwordOptions.path ?? '/password', 'password.path').replace(/\/+$/, ''),
            deviceSecret: deviceSecret(passwordOptions.deviceSecret ?? keys?.[0]),
          },
    exchanges: shared.exchanges ?? new MemoryExchanges(),
    onStart: options.onStart,
    trustWithoutOrigin: options.trustWithoutOrigin,
    clientOf: options.requestClient ?? ((): LastfmClient => client),
    onSignIn: options.onSignIn,
    onSignOut: options.onSignOut,
    now,
  };
}

const MIN_KEY_LENGTH = 32;

function sealerFor(keys: readonly string[]): KeySealer {
  if (keys.length === 0 || keys.some((key) => typeof key !== 'string' || key.length < MIN_KEY_LENGTH)) {
    throw new TypeError(`lastfmSignIn: encryptionKey must be random text of at least ${MIN_KEY_LENGTH} characters (or a list of them, newest first)`);
  }
  return new KeySealer(keys);
}

function deviceSecret(secret: unknown): string | undefined {
  if (secret === undefined) return undefined;
  if (typeof secret !== 'string' || secret.length < MIN_KEY_LENGTH) {
    throw new TypeError(`lastfmSignIn: password.deviceSecret must be random text of at least ${MIN_KEY_LENGTH} characters`);
  }
  return secret;
}

function parsePublicUrl(value: unknown): URL {
  let url: URL;
  try {
    url = new URL(value instanceof URL ? value.href : String(value));
  } catch {
    throw new TypeError('lastfmSignIn: publicUrl must be an absolute http(s) URL, such as https://example.org');
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw new TypeError('lastfmSignIn: publicUrl must be an http(s) URL without query, fragment or credentials');
  }
  return url;
}

function localPath(value: unknown, option: string): string {
  // Browsers read "/\host" as "//host", another site, as they do "//host" itself.
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) throw new TypeError(`lastfmSignIn: ${option} must be a path starting with /`);
  return value;
}
