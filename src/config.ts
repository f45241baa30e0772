import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import path from 'node:path';
import { ConfigError } from './errors';
import { SANDBOX_API_KEY, SANDBOX_SHARED_SECRET } from './sandbox/credentials';
import { messageOf } from './error-message';
import { withoutUrlCredentials } from './log-safe-url';

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
  /** Longest wait between two tries of a person's queued scrobbles while Last.fm fails (OUTBOX_RETRY_MAX_MS). */
  outboxRetryMaxMs: number;
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
}

export type TrustProxy = boolean | number | string[];

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

type Env = Record<string, string | undefined>;

export interface ConfigOptions {
  /**
   * Outside production, with SESSION_SECRET empty: returns the secret kept for development in
   * this (absolute) DATA_DIR, making it the first time. Throws when the directory cannot hold it.
   */
  developmentSecret?: (dataDir: string) => string;
}

const SESSION_STORES: readonly SessionStoreKind[] = ['sqlite', 'redis', 'memory'];
const NODE_ENVS: readonly NodeEnv[] = ['development', 'test', 'production'];
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const DAY_MS = 24 * 60 * 60 * 1000;
/** Browsers cap cookie lifetimes at 400 days. */
const MAX_TTL_MS = 400 * DAY_MS;

/** Reads and checks every variable at once, so a bad setup is reported whole, one line. */
export function loadConfig(env: Env, options: ConfigOptions = {}): Config {
  const problems: string[] = [];
  const value = (name: string): string | undefined => {
    const raw = env[name]?.trim();
    return raw === undefined || raw === '' ? undefined : raw;
  };

  const nodeEnv = parseNodeEnv(value('NODE_ENV'), problems);
  const production = nodeEnv === 'production';
  const logLevel = parseLogLevel(value('LOG_LEVEL'), problems);

  const port = parsePort(value('PORT'), problems);
  const host = value('HOST');

  const publicUrl = parseHttpUrl('PUBLIC_URL', value('PUBLIC_URL') ?? `http://localhost:${port}/`, problems, true);
  const basePath = publicUrl.pathname.replace(/\/+$/, '');

  const apiKey = value('LASTFM_API_KEY');
  const sharedSecret = value('LASTFM_SHARED_SECRET');
  const apiUrlRaw = value('LASTFM_API_URL');
  const authUrlRaw = value('LASTFM_AUTH_URL');
  const sandbox = apiKey === undefined && sharedSecret === undefined && !production;

  if (production) {
    if (apiKey === undefined) problems.push('LASTFM_API_KEY is missing (your Last.fm API key; sandbox mode is off in production)');
    if (sharedSecret === undefined) problems.push('LASTFM_SHARED_SECRET is missing (the shared secret that came with your API key)');
  } else if ((apiKey === undefined) !== (sharedSecret === undefined)) {
    problems.push(
      apiKey === undefined
        ? 'LASTFM_API_KEY is missing: LASTFM_SHARED_SECRET is set, and the two go together (set both, or neither for sandbox mode)'
        : 'LASTFM_SHARED_SECRET is missing: LASTFM_API_KEY is set, and the two go together (set both, or neither for sandbox mode)',
    );
  }
  if (sandbox && (apiUrlRaw !== undefined || authUrlRaw !== undefined)) {
    problems.push('LASTFM_API_URL/LASTFM_AUTH_URL are set but LASTFM_API_KEY is not: give the key and secret of that server too, or unset them for sandbox mode');
  }

  // Last.fm's terms allow about 5 calls per second per key; more risks suspension, so it is capped.
  const rateLimitPerSecond = parseWholeNumber('LASTFM_RATE_LIMIT', value('LASTFM_RATE_LIMIT'), { min: 1, max: 50, fallback: 5, unit: 'requests per second' }, problems);
  // How long one Last.fm call may go without an answer before it counts as failed.
  const timeoutMs = parseWholeNumber('LASTFM_TIMEOUT_MS', value('LASTFM_TIMEOUT_MS'), { min: 100, max: 120_000, fallback: 10_000, unit: 'milliseconds' }, problems);
  const outboxRetryMaxMs = parseWholeNumber('OUTBOX_RETRY_MAX_MS', value('OUTBOX_RETRY_MAX_MS'), { min: 100, max: 3_600_000, fallback: 60_000, unit: 'milliseconds' }, problems);

  let lastfm: LastfmConfig;
  if (sandbox) {
    lastfm = {
      apiKey: SANDBOX_API_KEY,
      sharedSecret: SANDBOX_SHARED_SECRET,
      // Server-to-server calls to the built-in stand-in stay on this machine, whatever PUBLIC_URL says.
      apiUrl: `http://${loopbackHost(host)}:${port}${basePath}/sandbox/2.0/`,
      authUrl: new URL('sandbox/api/auth/', publicUrl).href,
      timeoutMs,
      rateLimitPerSecond,
      outboxRetryMaxMs,
    };
  } else {
    lastfm = {
      apiKey: apiKey ?? '',
      sharedSecret: sharedSecret ?? '',
      apiUrl: parseHttpUrl('LASTFM_API_URL', apiUrlRaw ?? 'https://ws.audioscrobbler.com/2.0/', problems, true).href,
      authUrl: parseHttpUrl('LASTFM_AUTH_URL', authUrlRaw ?? 'https://www.last.fm/api/auth/', problems, false).href,
      timeoutMs,
      rateLimitPerSecond,
      outboxRetryMaxMs,
    };
  }

  const secret = value('SESSION_SECRET');
  let secrets: string[];
  let secretSource: SecretSource = 'SESSION_SECRET';
  if (secret === undefined) {
    if (production) problems.push('SESSION_SECRET is missing (a random string of at least 32 characters that signs session cookies)');
    secrets = [randomBytes(32).toString('base64url')];
    secretSource = 'generated';
  } else {
    secrets = parseSecretList(secret);
    if (secrets.length === 0 || secrets.some((s) => s.length < 32)) problems.push('SESSION_SECRET is too short (use at least 32 random characters; several, comma-separated, newest first, when rotating)');
  }
  const encryptionKeyRaw = value('ENCRYPTION_KEY');
  let encryptionKeys = encryptionKeyRaw === undefined ? secrets : parseSecretList(encryptionKeyRaw);
  if (encryptionKeyRaw !== undefined && (encryptionKeys.length === 0 || encryptionKeys.some((k) => k.length < 32))) {
    problems.push('ENCRYPTION_KEY is too short (use at least 32 random characters; several, comma-separated, newest first, when rotating)');
  }

  const storeRaw = value('SESSION_STORE') ?? 'sqlite';
  const store = SESSION_STORES.find((kind) => kind === storeRaw);
  if (store === undefined) problems.push(`SESSION_STORE must be one of ${SESSION_STORES.join(', ')} (got "${storeRaw}")`);
  if (store === 'memory' && production) problems.push('SESSION_STORE=memory is for tests and demos only (sessions vanish on restart): use sqlite or redis in production');
  const redisUrl = value('REDIS_URL');
  if (store === 'redis') {
    if (redisUrl === undefined) problems.push('REDIS_URL is missing (SESSION_STORE=redis needs e.g. redis://127.0.0.1:6379)');
    else if (!/^rediss?:\/\/[^/?#]/.test(redisUrl)) problems.push('REDIS_URL must be a redis:// or rediss:// URL (e.g. redis://127.0.0.1:6379)');
  }
  const dataDir = path.resolve(value('DATA_DIR') ?? 'data');
  const ttlMs = parseDuration(value('SESSION_TTL'), problems);

  const trustProxy = parseTrustProxy(value('TRUST_PROXY'), problems);
  const setupPage = parseSetupPage(value('SETUP_PAGE'), production, problems);

  // Last, so that only a setup that is otherwise sound gets a file written under DATA_DIR.
  if (secretSource === 'generated' && !production && options.developmentSecret !== undefined && problems.length === 0) {
    try {
      secrets = [options.developmentSecret(dataDir)];
      secretSource = 'development-file';
      if (encryptionKeyRaw === undefined) encryptionKeys = secrets;
    } catch (error) {
      problems.push(`DATA_DIR must be a directory this app can write (${dataDir}: ${messageOf(error)})`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);

  return {
    nodeEnv,
    production,
    logLevel,
    port,
    host,
    publicUrl,
    basePath,
    sandbox,
    lastfm,
    session: {
      secrets,
      secretSource,
      store: store ?? 'memory',
      cookieName: 'lastfm_signin.sid',
      secureCookie: publicUrl.protocol === 'https:',
      ttlMs,
      dataDir,
      redisUrl: store === 'redis' ? redisUrl : undefined,
      encryptionKeys,
    },
    trustProxy,
    setupPage,
  };
}

function parseNodeEnv(raw: string | undefined, problems: string[]): NodeEnv {
  if (raw === undefined) return 'development';
  const known = NODE_ENVS.find((name) => name === raw);
  // A near miss such as "Production" must not quietly run in development mode, sandbox and all.
  if (known === undefined) {
    problems.push(`NODE_ENV must be development, test or production, in lower case (got "${raw}")`);
    return 'development';
  }
  return known;
}

function parseLogLevel(raw: string | undefined, problems: string[]): LogLevel {
  if (raw === undefined) return 'info';
  const known = LOG_LEVELS.find((level) => level === raw);
  if (known === undefined) {
    problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${raw}")`);
    return 'info';
  }
  return known;
}

/** proxy-addr's names for common ranges, accepted in TRUST_PROXY lists. */
const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);

function parseTrustProxy(raw: string | undefined, problems: string[]): TrustProxy {
  if (raw === undefined || raw === 'false') return false;
  if (raw === 'true') return true;
  if (/^\d+$/.test(raw)) {
    const hops = Number(raw);
    if (hops <= 100) return hops;
  }
  const entries = raw.split(',').map((entry) => entry.trim());
  const bad = entries.filter((entry) => !NAMED_RANGES.has(entry) && !isAddressOrSubnet(entry));
  if (bad.length > 0) {
    problems.push(
      `TRUST_PROXY must be true, false, a hop count (0-100), or a comma list of IP addresses, subnets (10.0.0.0/8) or loopback/linklocal/uniquelocal (got "${raw}"; not understood: ${bad.map((entry) => `"${entry}"`).join(', ')})`,
    );
    return false;
  }
  return entries;
}

function isAddressOrSubnet(entry: string): boolean {
  const [address = '', bits, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (bits === undefined) return true;
  if (!/^\d{1,3}$/.test(bits)) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}

function parseSetupPage(raw: string | undefined, production: boolean, problems: string[]): boolean {
  if (raw === undefined) return !production;
  if (raw === 'on') return true;
  if (raw === 'off') return false;
  problems.push(`SETUP_PAGE must be on or off (got "${raw}")`);
  return !production;
}

/** `a,b,c` → ['a', 'b', 'c']: newest first, blanks dropped. */
function parseSecretList(raw: string): string[] {
  return raw
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
}

/** `30d`, `12h`, `90m`, `3600s` or bare seconds. */
function parseDuration(raw: string | undefined, problems: string[]): number {
  if (raw === undefined) return 30 * DAY_MS;
  const match = /^(\d+)\s*([smhd]?)$/.exec(raw);
  const unitMs: Record<string, number> = { '': 1000, s: 1000, m: 60_000, h: 3_600_000, d: DAY_MS };
  const ms = match === null ? NaN : Number(match[1]) * (unitMs[match[2] ?? ''] ?? NaN);
  if (!Number.isFinite(ms) || ms < 60_000 || ms > MAX_TTL_MS) {
    problems.push(`SESSION_TTL must be a duration from 1m to 400d such as 30d, 12h or 90m (got "${raw}")`);
    return 30 * DAY_MS;
  }
  return ms;
}

function parsePort(raw: string | undefined, problems: string[]): number {
  if (raw === undefined) return 3000;
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isInteger(port) || port > 65535) {
    problems.push(`PORT must be a whole number from 0 to 65535 (got "${raw}")`);
    return 3000;
  }
  return port;
}

/** Parses an http(s) URL; with `directory`, makes sure it ends in `/` so relative URLs resolve under it. */
function parseHttpUrl(name: string, raw: string, problems: string[], directory: boolean): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    problems.push(`${name} must be an absolute http(s) URL (got "${withoutUrlCredentials(raw)}")`);
    return new URL('http://localhost/');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    // `localhost:3101` parses as a URL whose scheme is "localhost:".
    const hint = /^[\w.-]+:\d+(\/|$)/.test(raw) ? `; did you mean http://${withoutUrlCredentials(raw)}?` : '';
    problems.push(`${name} must start with http:// or https:// (got "${withoutUrlCredentials(raw)}"${hint})`);
    // Other URLs are resolved against this one, which an opaque URL cannot serve.
    return new URL('http://localhost/');
  }
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    problems.push(`${name} must not carry credentials, a query or a fragment (got "${withoutUrlCredentials(raw)}")`);
  }
  if (directory && !url.pathname.endsWith('/')) url.pathname += '/';
  return url;
}

/** A whole number within bounds, or the default with a problem naming the variable, its unit and range. */
function parseWholeNumber(name: string, raw: string | undefined, range: { min: number; max: number; fallback: number; unit: string }, problems: string[]): number {
  if (raw === undefined) return range.fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < range.min || value > range.max) {
    problems.push(`${name} must be a whole number of ${range.unit} from ${range.min} to ${range.max} (got "${raw}")`);
    return range.fallback;
  }
  return value;
}

function loopbackHost(host: string | undefined): string {
  if (host === undefined || host === '0.0.0.0' || host === '::' || host === 'localhost') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
