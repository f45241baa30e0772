/** What loadConfig gives the app: every setting checked, defaulted and in its final form. */
import type { SlotCount } from 'lastfm-sign-in';

export type SessionStoreKind = 'sqlite' | 'redis' | 'memory';

export interface LastfmConfig {
  apiKey: string;
  sharedSecret: string;
  /** Web service root, ending in `/`. */
  apiUrl: string;
  /** Browser-facing authorize page. */
  authUrl: string;
  timeoutMs: number;
  /** Calls per second this app allows itself per API key (LASTFM_RATE_LIMIT). */
  rateLimitPerSecond: number;
  /** Where a call's second of the rate starts (LASTFM_SLOTS_FROM): at its answer, or at its send for the full rate with slow answers over a steady network. */
  slotsFrom: SlotCount;
  /** Longest wait between two tries of a person's queued scrobbles while Last.fm fails (OUTBOX_RETRY_MAX_MS). */
  outboxRetryMaxMs: number;
  /** Most scrobbles one person may have waiting in the outbox (OUTBOX_MAX_PER_PERSON). */
  outboxMaxPerPerson: number;
  /** Most scrobbles sent for one person in any 24 hours (LASTFM_DAILY_SCROBBLES): Last.fm's per-account daily cap. */
  dailyScrobbles: number;
}

/**
 * Where the session secret came from: SESSION_SECRET; the development secret kept under
 * DATA_DIR (outside production, when SESSION_SECRET is empty); or made up for this process only.
 */
export type SecretSource = 'SESSION_SECRET' | 'development-file' | 'generated';

export interface SessionConfig {
  /** Newest first; express-session signs with the first and accepts all. */
  secrets: string[];
  secretSource: SecretSource;
  store: SessionStoreKind;
  cookieName: string;
  secureCookie: boolean;
  /** Rolling lifetime: a session unused for this long ends, in every store. */
  ttlMs: number;
  /** Absolute directory that holds the SQLite file. */
  dataDir: string;
  /** Set when store is 'redis'. */
  redisUrl: string | undefined;
  /** Newest first: the first seals Last.fm session keys, all of them (and `secrets`) can open them. */
  encryptionKeys: string[];
}

export type NodeEnv = 'development' | 'test' | 'production';

export interface Config {
  nodeEnv: NodeEnv;
  production: boolean;
  /** pino's level for the app's log (LOG_LEVEL). */
  logLevel: LogLevel;
  port: number;
  host: string | undefined;
  /** Where people reach the app, always ending in `/`. */
  publicUrl: URL;
  /** The path part of publicUrl without its trailing slash: '' or e.g. '/lastfm'. */
  basePath: string;
  /** No Last.fm keys: the built-in stand-in plays Last.fm's part. */
  sandbox: boolean;
  lastfm: LastfmConfig;
  session: SessionConfig;
  /** Express's 'trust proxy': false, true, a hop count, or addresses/subnets/named ranges. */
  trustProxy: TrustProxy;
  /** Whether GET /setup is served (always outside production; in production only with SETUP_PAGE=on). */
  setupPage: boolean;
  /** Web sign-ins and desktop tokens one address may start a minute (SIGN_IN_STARTS_PER_MINUTE). */
  signInStartsPerMinute: number;
  metrics: MetricsConfig;
  /**
   * Sign-in requests that call Last.fm (callback, desktop token and session, password) one address
   * may make: this many at once, then one every 60/N seconds (SIGN_IN_CALLS_PER_MINUTE).
   */
  signInCallsPerMinute: number;
}

export interface MetricsConfig {
  /** GET /metrics is served (METRICS=on). */
  enabled: boolean;
  /** METRICS_TOKEN: every scrape must carry it as a Bearer token; without one only loopback may scrape. */
  token: string | undefined;
}

export type TrustProxy = boolean | number | string[];

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
