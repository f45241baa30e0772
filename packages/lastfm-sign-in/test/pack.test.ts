/**
 * The library as someone installs it: publint and attw find nothing, and the packed tarball,
 * installed into an empty directory with only express and express-session beside it, runs the
 * minimal example (CommonJS and ES module) against the sandbox and type-checks a strict
 * TypeScript file. One pack and one install serve every check.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const PACKAGE_DIR = path.resolve(__dirname, '..');
const ROOT = path.resolve(PACKAGE_DIR, '..', '..');
const EXAMPLE = path.join(PACKAGE_DIR, 'examples', 'minimal');
const bin = (name: string): string => path.join(ROOT, 'node_modules', '.bin', name);
/** The versions this repository already installed, so the install finds them in npm's cache. */
const installed = (name: string): string => `${name}@${(JSON.parse(readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version}`;

jest.setTimeout(300_000);

let work: string;
let tarball: string;

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'lastfm-sign-in-pack-'));
  // `npm pack` runs the package's prepack (the build) first, so the tarball is what a publish would send.
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', work], { cwd: PACKAGE_DIR, maxBuffer: 16 * 1024 * 1024 });
  const [packed] = JSON.parse(stdout.slice(stdout.indexOf('['))) as { filename: string }[];
  if (packed === undefined) throw new Error('npm pack made no tarball');
  tarball = path.join(work, packed.filename);
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

test('publint finds nothing to say about the package', async () => {
  const { stdout } = await run(bin('publint'), ['run', PACKAGE_DIR, '--strict', '--pack', 'false']);
  expect(stdout).toContain('All good!');
});

test('attw finds no problem with the types of any entry point, for require and import', async () => {
  // node16 and bundler resolution: the ones that read "exports" (Node 20+ is required anyway).
  const { stdout } = await run(bin('attw'), [tarball, '--profile', 'node16', '--format', 'ascii'], { maxBuffer: 16 * 1024 * 1024 });
  expect(stdout).toContain('No problems found');
});

describe('installed from the tarball into an empty directory', () => {
  const app = (): string => path.join(work, 'app');

  beforeAll(async () => {
    rmSync(app(), { recursive: true, force: true });
    await run('mkdir', ['-p', app()]);
    for (const file of ['index.js', 'index.mjs', 'typed.ts', 'package.json']) copyFileSync(path.join(EXAMPLE, file), path.join(app(), file));
    copyFileSync(path.join(__dirname, 'pack', 'drive.mjs'), path.join(app(), 'drive.mjs'));
    writeFileSync(
      path.join(app(), 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { strict: true, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', types: ['node'], skipLibCheck: false, noUncheckedIndexedAccess: true, exactOptionalPropertyTypes: true }, files: ['typed.ts'] }),
    );
    const types = ['@types/express', '@types/express-session', '@types/node'].map(installed);
    await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--no-save', tarball, installed('express'), installed('express-session'), ...types], { cwd: app(), maxBuffer: 16 * 1024 * 1024 });
  });

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
