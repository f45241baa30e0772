import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * A short hash of each file under public/'s asset folders, read once at start. Pages link an
 * asset as `/css/app.css?v=<hash>`: a browser may keep that URL for good (it names one content),
 * and a changed file gets a new URL on the next start, so a page view costs no asset requests
 * while nothing changed and a fresh copy as soon as something did.
 */
export class AssetVersions {
  private readonly versions = new Map<string, string>();

  /** `folders` under `publicDir`, each read whole (a few small files). */
  constructor(publicDir: string, folders: readonly string[]) {
    for (const folder of folders) {
      for (const entry of readdirSync(path.join(publicDir, folder), { recursive: true, withFileTypes: true })) {
        if (!entry.isFile()) continue;
        const file = path.join(entry.parentPath, entry.name);
        const urlPath = `/${path.relative(publicDir, file).split(path.sep).join('/')}`;
        this.versions.set(urlPath, createHash('sha256').update(readFileSync(file)).digest('base64url').slice(0, 12));
      }
    }
  }

  /** The hash of the asset at `urlPath` (`/css/app.css`), or undefined for an unknown path. */
  versionOf(urlPath: string): string | undefined {
    return this.versions.get(urlPath);
  }
}
