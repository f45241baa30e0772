import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** The folder with package.json, views/ and public/, wherever the compiled file sits (dist/, build/src/, src/). */
function findProjectRoot(start: string): string {
  let dir = start;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`No package.json above ${start}`);
    dir = parent;
  }
  return dir;
}

export const PROJECT_ROOT = findProjectRoot(__dirname);

/** This app's name and version, as its User-Agent tells Last.fm. */
export const PACKAGE = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
