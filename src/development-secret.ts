import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describeFileError } from './file-errors';

export const DEVELOPMENT_SECRET_FILE = 'dev-session-secret';

/**
 * Outside production, a missing SESSION_SECRET is made once and kept under DATA_DIR, so the
 * default SQLite store really keeps people signed in across restarts of `npm start`. Throws an
 * Error whose message says, in plain words, why the directory cannot hold it.
 */
export function keepDevelopmentSecret(dataDir: string): string {
  const file = path.join(dataDir, DEVELOPMENT_SECRET_FILE);
  try {
    const existing = existsSync(file) ? readFileSync(file, 'utf8').trim() : '';
    if (existing.length >= 32) return existing;
    const secret = randomBytes(32).toString('base64url');
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    writeFileSync(file, `${secret}\n`, { mode: 0o600 });
    return secret;
  } catch (error) {
    throw new Error(describeFileError(error), { cause: error });
  }
}
