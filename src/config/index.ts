/** The entry point of configuration: loadConfig(env) and the types it returns (see ./types.ts). */

import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { SANDBOX_API_KEY, SANDBOX_SHARED_SECRET } from 'lastfm-sign-in/testing';
import { messageOf } from '../error-message';
import { ConfigError } from '../errors';
import { loopbackHost, parseDuration, parseHttpUrl, parseLogLevel, parseMetrics, parseNodeEnv, parsePort, parseSecretList, parseSetupPage, parseTrustProxy, parseWholeNumber } from './parse';
import type { Config, LastfmConfig, SecretSource, SessionStoreKind } from './types';

export type { Config, MetricsConfig, SessionStoreKind, TrustProxy } from './types';

type Env = Record<string, string | undefined>;

export interface ConfigOptions {
  /**
   * Outside production, with SESSION_SECRET empty: returns the secret kept for development in
   * this (absolute) DATA_DIR, making it the first time. Throws when the directory cannot hold it.
   */
  developmentSecret?: (dataDir: string) => string;
}

const SESSION_STORES: readonly SessionStoreKind[] = ['sqlite', 'redis', 'memory'];

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
  // Where a call's second of the rate starts: at the answer, which no delay on the way can beat, or at the send.
  const slotsFromRaw = value('LASTFM_SLOTS_FROM') ?? 'answer';
  if (slotsFromRaw !== 'send' && slotsFromRaw !== 'answer') problems.push(`LASTFM_SLOTS_FROM must be answer or send (where a call's second of the rate starts), not "${slotsFromRaw}"`);
  const slotsFrom = slotsFromRaw === 'send' ? 'send' : 'answer';
  // How long one Last.fm call may go without an answer before it counts as failed.
  const timeoutMs = parseWholeNumber('LASTFM_TIMEOUT_MS', value('LASTFM_TIMEOUT_MS'), { min: 100, max: 120_000, fallback: 10_000, unit: 'milliseconds' }, problems);
  // Sign-in requests that call Last.fm, per address: people click through Last.fm's pages far slower.
  const signInCallsPerMinute = parseWholeNumber('SIGN_IN_CALLS_PER_MINUTE', value('SIGN_IN_CALLS_PER_MINUTE'), { min: 1, max: 1_000_000, fallback: 10, unit: 'sign-in requests a minute' }, problems);
  // Each start stores a session; a household behind one address starts far fewer.
  const signInStartsPerMinute = parseWholeNumber('SIGN_IN_STARTS_PER_MINUTE', value('SIGN_IN_STARTS_PER_MINUTE'), { min: 1, max: 1_000_000, fallback: 20, unit: 'sign-ins a minute' }, problems);
  // Queued faster than Last.fm takes them, one person's queue would grow without bound.
  const dailyScrobbles = parseWholeNumber('LASTFM_DAILY_SCROBBLES', value('LASTFM_DAILY_SCROBBLES'), { min: 1, max: 100_000, fallback: 2800, unit: 'scrobbles' }, problems);
  const outboxMaxPerPerson = parseWholeNumber('OUTBOX_MAX_PER_PERSON', value('OUTBOX_MAX_PER_PERSON'), { min: 1, max: 1_000_000, fallback: 10_000, unit: 'scrobbles' }, problems);
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
      slotsFrom,
      outboxRetryMaxMs,
      outboxMaxPerPerson,
      dailyScrobbles,
    };
  } else {
    lastfm = {
      apiKey: apiKey ?? '',
      sharedSecret: sharedSecret ?? '',
      apiUrl: parseHttpUrl('LASTFM_API_URL', apiUrlRaw ?? 'https://ws.audioscrobbler.com/2.0/', problems, true).href,
      authUrl: parseHttpUrl('LASTFM_AUTH_URL', authUrlRaw ?? 'https://www.last.fm/api/auth/', problems, false).href,
      timeoutMs,
      rateLimitPerSecond,
      slotsFrom,
      outboxRetryMaxMs,
      outboxMaxPerPerson,
      dailyScrobbles,
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
  const metrics = parseMetrics(value('METRICS'), value('METRICS_TOKEN'), problems);

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
    signInStartsPerMinute,
    metrics,
    signInCallsPerMinute,
  };
}
