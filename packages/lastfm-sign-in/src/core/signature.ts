import { createHash } from 'node:crypto';

/** A parameter value as it is sent; undefined/null/empty ones are dropped before signing and sending. */
export type ParamValue = string | number | boolean | null | undefined;
export type Params = Record<string, ParamValue>;

/** Parameters Last.fm leaves out of the signature. */
const UNSIGNED = new Set(['format', 'callback', 'api_sig']);

/** Drops undefined, null and empty values and stringifies the rest, so the signed and sent sets are the same. */
export function cleanParams(params: Params): Record<string, string> {
  const clean: Record<string, string> = {};
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined || value === null) continue;
    const text = String(value);
    if (text === '') continue;
    clean[name] = text;
  }
  return clean;
}

/**
 * Last.fm's api_sig: name+value pairs sorted by name in code-unit order (never locale order, so
 * `artist[10]` comes before `artist[1]`), the shared secret appended, MD5 over the UTF-8 bytes.
 */
export function signParams(params: Params, sharedSecret: string): string {
  const clean = cleanParams(params);
  const names = Object.keys(clean).filter((name) => !UNSIGNED.has(name));
  names.sort();
  const hash = createHash('md5');
  for (const name of names) {
    hash.update(name, 'utf8');
    hash.update(clean[name] ?? '', 'utf8');
  }
  hash.update(sharedSecret, 'utf8');
  return hash.digest('hex');
}

/** The one holder of the shared secret: everything else signs through it and never sees the secret. */
export interface Signer {
  /** Returns the cleaned parameters with `api_sig` added. */
  sign(params: Params): Record<string, string>;
  /** Constant-time check of a received `api_sig` (used by the sandbox). */
  verify(params: Record<string, string>): boolean;
}

export function createSigner(sharedSecret: string): Signer {
  if (sharedSecret === '') throw new Error('A Last.fm shared secret is required to sign calls');
  return {
    sign(params) {
      const clean = cleanParams(params);
      return { ...clean, api_sig: signParams(clean, sharedSecret) };
    },
    verify(params) {
      const given = params.api_sig;
      if (given === undefined || !/^[0-9a-fA-F]{32}$/.test(given)) return false;
      const expected = signParams(params, sharedSecret);
      return timingSafeEqualHex(given.toLowerCase(), expected);
    },
  };
}

function timingSafeEqualHex(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i += 1) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
