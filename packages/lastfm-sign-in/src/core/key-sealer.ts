import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 'v1';
// The secrets are already long random strings, so HKDF (fast, no stretching) is the right tool;
// scrypt would only slow down every request that reads a session.
const SALT = 'lastfm-sign-in/session-key-encryption';
const INFO = 'aes-256-gcm v1';
// GCM verifies a tag cut down to as little as 4 bytes unless told the length; a short tag is far
// easier to forge, and seal() always writes the full 16.
const TAG_BYTES = 16;

interface DerivedKey {
  id: string;
  key: Buffer;
}

/**
 * Seals Last.fm session keys with AES-256-GCM. The first secret seals; every secret opens, so a
 * rotated secret keeps old sessions readable. The user name is bound in as associated data, so a
 * sealed key copied onto another person's row does not open.
 */
export class KeySealer {
  private readonly keys: DerivedKey[];

  /** `secrets`: newest first. */
  constructor(secrets: readonly string[]) {
    if (secrets.length === 0) throw new Error('KeySealer needs at least one secret');
    const seen = new Set<string>();
    this.keys = [];
    for (const secret of secrets) {
      const key = Buffer.from(hkdfSync('sha256', secret, SALT, INFO, 32));
      // The id names the key without revealing it: a hash of the derived key, not of the secret.
      const id = createHash('sha256').update(key).digest('base64url').slice(0, 8);
      if (seen.has(id)) continue;
      seen.add(id);
      this.keys.push({ id, key });
    }
  }

  seal(plaintext: string, context: string): string {
    const [newest] = this.keys;
    if (newest === undefined) throw new Error('no key');
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', newest.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [VERSION, newest.id, iv.toString('base64url'), body.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
  }

  /** The plaintext, or undefined when no known secret opens it (unknown key, tampered, malformed). */
  open(sealed: string, context: string): string | undefined {
    const [version, id, iv, body, tag] = sealed.split('.');
    if (version !== VERSION || id === undefined || iv === undefined || body === undefined || tag === undefined) return undefined;
    const derived = this.keys.find((k) => k.id === id);
    if (derived === undefined) return undefined;
    try {
      const tagBytes = Buffer.from(tag, 'base64url');
      if (tagBytes.length !== TAG_BYTES) return undefined;
      const decipher = createDecipheriv('aes-256-gcm', derived.key, Buffer.from(iv, 'base64url'), { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(tagBytes);
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      return undefined;
    }
  }
}
