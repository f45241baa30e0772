/**
 * Query parameters whose values are secrets or single-use credentials: Last.fm tokens, the
 * sign-in state, session keys, signatures and passwords. `cb` carries a state inside it.
 */
const SECRET_PARAMS = new Set(['token', 'state', 'cb', 'sk', 'api_sig', 'password', 'session', 'key', 'secret', '_csrf']);

export const MASK = '[redacted]';

/**
 * A request URL fit for a log line: the path as sent, and every secret-bearing query value
 * replaced by a mask (the name stays, so the line still says what kind of request it was).
 */
export function maskUrl(url: string): string {
  const queryStart = url.indexOf('?');
  if (queryStart === -1) return url;
  const path = url.slice(0, queryStart);
  const query = url
    .slice(queryStart + 1)
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      const rawName = equals === -1 ? pair : pair.slice(0, equals);
      return SECRET_PARAMS.has(paramName(rawName)) ? `${rawName}=${MASK}` : pair;
    })
    .join('&');
  return `${path}?${query}`;
}

/** The decoded, lower-cased name without any `[…]` suffix, so `%74oken`, `Token` or `token[]` cannot dodge the mask. */
function paramName(raw: string): string {
  let name: string;
  try {
    name = decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    name = raw;
  }
  return name.toLowerCase().replace(/\[.*$/, '');
}

/**
 * Text fit for a log line or a problem sentence: the `user:password@` of any URL in it masked,
 * the host kept. The mask runs to the last `@` before the host (a password may hold `@` or, in a
 * value that is not even a valid URL, spaces), and a URL without `scheme://` counts from the start.
 */
export function withoutUrlCredentials(text: string): string {
  return text.replace(/(^|\/\/)[^/?#]*@/g, `$1${MASK}@`);
}
