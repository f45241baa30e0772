import { createHash, timingSafeEqual } from 'node:crypto';

/** Parameters Last.fm leaves out of the signature. */
const UNSIGNED = new Set(['format', 'callback', 'api_sig']);

/**
 * Checks `api_sig` over the parameters exactly as received, empty values included, as Last.fm
 * does. (The app's own signer drops empty values before signing and before sending, so the
 * two agree; a client that sends an empty value it did not sign is refused, as on Last.fm.)
 */
export function signatureMatches(params: Readonly<Record<string, string>>, sharedSecret: string): boolean {
  const given = params.api_sig;
  if (given === undefined || !/^[0-9a-fA-F]{32}$/.test(given)) return false;
  const hash = createHash('md5');
  for (const name of Object.keys(params).filter((key) => !UNSIGNED.has(key)).sort()) {
    hash.update(name, 'utf8');
    hash.update(params[name] ?? '', 'utf8');
  }
  hash.update(sharedSecret, 'utf8');
  return timingSafeEqual(hash.digest(), Buffer.from(given, 'hex'));
}
