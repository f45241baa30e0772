import type { Request } from 'express';
import type { Config, SessionStoreKind, TrustProxy } from './config';
import type { ProbeOutcome, ProbeResult } from './lastfm/probe';
import type { DurabilityWarning } from './stores/redis-durability';

/** What the app saw of one request, after Express applied TRUST_PROXY. */
export interface RequestView {
  protocol: string;
  host: string;
  ip: string;
  /** The peer of the TCP connection: the proxy, when there is one. */
  peer: string;
  /** X-Forwarded-* and Forwarded headers that came with the request, by lower-case name. */
  forwardedHeaders: Record<string, string>;
  /** Whether TRUST_PROXY trusts the peer, i.e. whether those headers were believed. */
  peerTrusted: boolean;
  /** The proxy removed PUBLIC_URL's sub-path before passing the request on. */
  prefixStripped: boolean;
}

export interface SetupWarning {
  code: 'https-not-seen' | 'https-but-http-public-url' | 'host-mismatch' | 'forwarded-untrusted' | 'trust-everyone' | 'generated-session-secret' | `lastfm-${Exclude<ProbeOutcome, 'answered'>}` | DurabilityWarning['code'];
  message: string;
}

export interface SetupReport {
  callbackUrl: string;
  cookie: { name: string; path: string; secure: boolean; setOnThisRequest: boolean };
  request: RequestView;
  trustProxy: string;
  publicUrl: string;
  basePath: string;
  sessionStore: string;
  /** Where the session secret came from: the variable, the development file under DATA_DIR, or made up at this start. */
  sessionSecret: 'SESSION_SECRET' | 'development-file' | 'generated';
  /** `check`: what the configured web service answered just now (or within the last half minute). */
  lastfm: { sandbox: boolean; apiUrl: string; authUrl: string; apiKey: 'set' | 'sandbox'; check: ProbeResult };
  warnings: SetupWarning[];
}

const FORWARDED_HEADERS = ['forwarded', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port', 'x-forwarded-prefix'];

type TrustFn = (address: string, hop: number) => boolean;

/** Reads what Express made of the request; `prefixStripped` comes from restoreBasePath. */
export function viewRequest(req: Request, prefixStripped: boolean): RequestView {
  const peer = req.socket.remoteAddress ?? '';
  const trust = req.app.get('trust proxy fn') as TrustFn;
  const forwardedHeaders: Record<string, string> = {};
  for (const name of FORWARDED_HEADERS) {
    const value = req.get(name);
    if (value !== undefined) forwardedHeaders[name] = value;
  }
  return { protocol: req.protocol, host: req.host, ip: req.ip ?? peer, peer, forwardedHeaders, peerTrusted: trust(peer, 0), prefixStripped };
}

/**
 * Compares what the app was told (PUBLIC_URL, TRUST_PROXY) with what it sees, and says in plain
 * words what will go wrong. Only names and public addresses go in: never a key or secret.
 */
export function checkSetup(config: Config, request: RequestView, sessionStore: SessionStoreKind, lastfmCheck: ProbeResult): SetupReport {
  const warnings: SetupWarning[] = [];
  const publicHttps = config.publicUrl.protocol === 'https:';
  const forwardedNames = Object.keys(request.forwardedHeaders);

  if (publicHttps && request.protocol !== 'https') {
    warnings.push({
      code: 'https-not-seen',
      message:
        request.forwardedHeaders['x-forwarded-proto'] === undefined
          ? 'PUBLIC_URL is https, but this request reached the app over plain http with no X-Forwarded-Proto header. The session cookie is Secure, so it is never set on such requests and every sign-in fails. Make the proxy send X-Forwarded-Proto and set TRUST_PROXY so the app believes it.'
          : 'PUBLIC_URL is https, but the X-Forwarded-Proto header was not trusted (or did not say https), so the app thinks this request is plain http. The Secure session cookie is never set and every sign-in fails. Set TRUST_PROXY to your proxy\'s address or hop count.',
    });
  }
  if (!publicHttps && request.protocol === 'https') {
    warnings.push({
      code: 'https-but-http-public-url',
      message: 'This request came over https, but PUBLIC_URL is http: the session cookie is not marked Secure and Last.fm will send people back to an http address. Set PUBLIC_URL to the https address.',
    });
  }
  const seenHost = normalHost(request.protocol, request.host);
  if (seenHost !== config.publicUrl.host) {
    warnings.push({
      code: 'host-mismatch',
      message: `This request was for host "${request.host}", but PUBLIC_URL's host is "${config.publicUrl.host}". The browser keeps each host's cookies apart, so a session here and one at "${config.publicUrl.host}" are two different sessions. "Sign in with Last.fm" still works: it first moves the browser to ${config.publicUrl.origin}, signs in there, and the person carries on there, not here. Open the app at PUBLIC_URL to avoid the move, or fix PUBLIC_URL if people really use this address (behind a proxy: send X-Forwarded-Host or the original Host, and set TRUST_PROXY).`,
    });
  }
  if (forwardedNames.length > 0 && !request.peerTrusted) {
    warnings.push({
      code: 'forwarded-untrusted',
      message: `The request carries ${forwardedNames.join(', ')} from ${request.peer}, which TRUST_PROXY does not trust, so they were ignored: the app sees the proxy's protocol, host and address instead of the visitor's. If that is your proxy, set TRUST_PROXY (e.g. "loopback", its address, or 1).`,
    });
  }
  if (config.trustProxy === true) {
    warnings.push({
      code: 'trust-everyone',
      message: 'TRUST_PROXY=true believes X-Forwarded-* from anyone, so a client that reaches the app directly can fake its address and protocol. Prefer a hop count or your proxy\'s address.',
    });
  }
  if (lastfmCheck.outcome !== 'answered') {
    const consequence = lastfmCheck.outcome === 'lastfm-error' ? '' : ' Sign-in cannot work until this is fixed.';
    warnings.push({ code: `lastfm-${lastfmCheck.outcome}`, message: `${lastfmCheck.message}${consequence}` });
  }
  if (config.session.secretSource === 'generated') {
    warnings.push({ code: 'generated-session-secret', message: 'SESSION_SECRET is not set: a random one is made at each start, so everyone is signed out when the app restarts.' });
  }

  const secure = config.session.secureCookie;
  return {
    callbackUrl: `${new URL('auth/callback', config.publicUrl).href}?state=…`,
    cookie: { name: config.session.cookieName, path: `${config.basePath}/`, secure, setOnThisRequest: !secure || request.protocol === 'https' },
    request,
    trustProxy: describeTrust(config.trustProxy),
    publicUrl: config.publicUrl.href,
    basePath: config.basePath === '' ? '/' : config.basePath,
    sessionStore,
    sessionSecret: config.session.secretSource,
    lastfm: { sandbox: config.sandbox, apiUrl: config.lastfm.apiUrl, authUrl: config.lastfm.authUrl, apiKey: config.sandbox ? 'sandbox' : 'set', check: lastfmCheck },
    warnings,
  };
}

/** `host[:port]` as a URL would write it, so `example.com:443` over https equals `example.com`. */
function normalHost(protocol: string, host: string): string {
  try {
    return new URL(`${protocol}://${host}/`).host;
  } catch {
    return host;
  }
}

function describeTrust(trust: TrustProxy): string {
  if (trust === false) return 'off (X-Forwarded-* headers are ignored)';
  if (trust === true) return 'every hop';
  if (typeof trust === 'number') return `${trust} hop${trust === 1 ? '' : 's'}`;
  return trust.join(', ');
}
