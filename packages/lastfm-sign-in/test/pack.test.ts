/**
 * The library as someone installs it: publint and attw find nothing, and the packed tarball,
 * installed into an empty directory with only express and express-session beside it, runs the
 * minimal example (CommonJS and ES module) against the sandbox and type-checks a strict
 * TypeScript file. One pack and one install serve every check.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const PACKAGE_DIR = path.resolve(__dirname, '..');
const ROOT = path.resolve(PACKAGE_DIR, '..', '..');
const EXAMPLE = path.join(PACKAGE_DIR, 'examples', 'minimal');
const bin = (name: string): string => path.join(ROOT, 'node_modules', '.bin', name);
/** The versions this repository already installed, so the install finds them in npm's cache. */
const installedVersion = (name: string): string => `${name}@${(JSON.parse(readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version}`;

jest.setTimeout(300_000);

/** Newest (or oldest) modification time of the files under `dir`. */
function mtimes(dir: string): number[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
}

/**
 * `npm test` builds the library before jest. Packing does not build again (prepack would empty
 * dist/ while other test files' servers load it): a build older than any source file or the
 * package.json it reads stops this file with what to run.
 */
function builtIsFresh(): boolean {
  try {
    const built = mtimes(path.join(PACKAGE_DIR, 'dist'));
    const sources = [...mtimes(path.join(PACKAGE_DIR, 'src')), statSync(path.join(PACKAGE_DIR, 'package.json')).mtimeMs];
    return built.length > 0 && Math.min(...built) > Math.max(...sources);
  } catch {
    return false;
  }
}

let work: string;
let tarball: string;
/** The checks that need only the tarball run side by side with the install. */
let publint: Promise<string>;
let attw: Promise<string>;
let installed: Promise<void>;

/** Awaited later by its test; marked handled now so an early failure is reported there, not as an unhandled rejection. */
function later<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

const app = (): string => path.join(work, 'app');

async function install(): Promise<void> {
  mkdirSync(app());
  // Not the example's package.json: its "lastfm-sign-in" would be looked up on the registry.
  writeFileSync(path.join(app(), 'package.json'), JSON.stringify({ name: 'pack-check', private: true }));
  for (const file of ['index.js', 'index.mjs', 'typed.ts']) copyFileSync(path.join(EXAMPLE, file), path.join(app(), file));
  copyFileSync(path.join(__dirname, 'pack', 'drive.mjs'), path.join(app(), 'drive.mjs'));
  writeFileSync(
    path.join(app(), 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { strict: true, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', types: ['node'], skipLibCheck: false, noUncheckedIndexedAccess: true, exactOptionalPropertyTypes: true }, files: ['typed.ts'] }),
  );
  const types = ['@types/express', '@types/express-session', '@types/node'].map(installedVersion);
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball, installedVersion('express'), installedVersion('express-session'), ...types], { cwd: app(), maxBuffer: 16 * 1024 * 1024 });
}

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'lastfm-sign-in-pack-'));
  if (!builtIsFresh()) throw new Error('packages/lastfm-sign-in/dist is missing or older than its sources: run `npm run build:lib` first (npm test does)');
  const { stdout } = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], { cwd: PACKAGE_DIR, maxBuffer: 16 * 1024 * 1024 });
  const [packed] = JSON.parse(stdout.slice(stdout.indexOf('['))) as { filename: string }[];
  if (packed === undefined) throw new Error('npm pack made no tarball');
  tarball = path.join(work, packed.filename);
  publint = later(run(bin('publint'), ['run', tarball, '--strict']).then(({ stdout: out }) => out));
  // Every resolution attw knows, node10 included (typesVersions serves TypeScript's old "node" resolution).
  attw = later(run(bin('attw'), [tarball, '--format', 'ascii'], { maxBuffer: 16 * 1024 * 1024 }).then(({ stdout: out }) => out));
  installed = later(install());
});

afterAll(async () => {
  await Promise.allSettled([publint, attw, installed]);
  rmSync(work, { recursive: true, force: true });
});

test('publint finds nothing to say about the packed package, not even a suggestion', async () => {
  expect(await publint).toContain('All good!');
});

test('attw finds no problem with the types of any entry point, for require and import', async () => {
  expect(await attw).toContain('No problems found');
});

describe('installed from the tarball into an empty directory', () => {
  beforeAll(() => installed);

  test.each(['index.js', 'index.mjs'])('examples/minimal/%s signs in on the sandbox, loves a track (the sandbox records it) and signs out', async (file) => {
    const { stdout } = await run(process.execPath, ['drive.mjs', `./${file}`], { cwd: app() });
    expect(stdout.trim()).toBe('ok');
  });

  test('examples/minimal/index.js is at most 40 lines', () => {
    expect(readFileSync(path.join(EXAMPLE, 'index.js'), 'utf8').trimEnd().split('\n').length).toBeLessThanOrEqual(40);
  });

  test('a strict TypeScript file using the API type-checks against the installed package', async () => {
    await run(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', app()], { cwd: app() });
  });
});
