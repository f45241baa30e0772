/**
 * The readers of single variables: each takes the raw value, returns the value to use (a default
 * when it is missing or bad) and adds a sentence to `problems` when it is bad.
 */
import { isIP } from 'node:net';
import { withoutUrlCredentials } from '../log-safe-url';
import type { LogLevel, MetricsConfig, NodeEnv, TrustProxy } from './types';

const NODE_ENVS: readonly NodeEnv[] = ['development', 'test', 'production'];
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const DAY_MS = 24 * 60 * 60 * 1000;
/** Browsers cap cookie lifetimes at 400 days. */
const MAX_TTL_MS = 400 * DAY_MS;

export function parseNodeEnv(raw: string | undefined, problems: string[]): NodeEnv {
  if (raw === undefined) return 'development';
  const known = NODE_ENVS.find((name) => name === raw);
  // A near miss such as "Production" must not quietly run in development mode, sandbox and all.
  if (known === undefined) {
    problems.push(`NODE_ENV must be development, test or production, in lower case (got "${raw}")`);
    return 'development';
  }
  return known;
}

export function parseLogLevel(raw: string | undefined, problems: string[]): LogLevel {
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

export function parseTrustProxy(raw: string | undefined, problems: string[]): TrustProxy {
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

export function parseMetrics(raw: string | undefined, token: string | undefined, problems: string[]): MetricsConfig {
  let enabled = false;
  if (raw === 'on') enabled = true;
  else if (raw !== undefined && raw !== 'off') problems.push(`METRICS must be on or off (got "${raw}")`);
  if (token !== undefined) {
    // A scrape token is a password on the wire: short or spaced ones are a typo or a guessable word.
    if (token.length < 16 || /\s/.test(token)) problems.push('METRICS_TOKEN is too short (use at least 16 random characters, no spaces, e.g. `openssl rand -hex 24`)');
    else if (!enabled) problems.push('METRICS_TOKEN is set but METRICS is not on (set METRICS=on to serve /metrics, or remove METRICS_TOKEN)');
  }
  return { enabled, token };
}

export function parseSetupPage(raw: string | undefined, production: boolean, problems: string[]): boolean {
  if (raw === undefined) return !production;
  if (raw === 'on') return true;
  if (raw === 'off') return false;
  problems.push(`SETUP_PAGE must be on or off (got "${raw}")`);
  return !production;
}

/** `a,b,c` → ['a', 'b', 'c']: newest first, blanks dropped. */
export function parseSecretList(raw: string): string[] {
  return raw
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
}

/** `30d`, `12h`, `90m`, `3600s` or bare seconds. */
export function parseDuration(raw: string | undefined, problems: string[]): number {
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

export function parsePort(raw: string | undefined, problems: string[]): number {
  if (raw === undefined) return 3000;
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isInteger(port) || port > 65535) {
    problems.push(`PORT must be a whole number from 0 to 65535 (got "${raw}")`);
    return 3000;
  }
  return port;
}

/** Parses an http(s) URL; with `directory`, makes sure it ends in `/` so relative URLs resolve under it. */
export function parseHttpUrl(name: string, raw: string, problems: string[], directory: boolean): URL {
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
export function parseWholeNumber(name: string, raw: string | undefined, range: { min: number; max: number; fallback: number; unit: string }, problems: string[]): number {
  if (raw === undefined) return range.fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < range.min || value > range.max) {
    problems.push(`${name} must be a whole number of ${range.unit} from ${range.min} to ${range.max} (got "${raw}")`);
    return range.fallback;
  }
  return value;
}

export function loopbackHost(host: string | undefined): string {
  if (host === undefined || host === '0.0.0.0' || host === '::' || host === 'localhost') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
