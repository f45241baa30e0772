/*
 * Builds the package once, as CommonJS with its types, then gives each entry in "exports" an ES
 * module that re-exports the CommonJS one (Node's "wrapper" way to a dual package). Both `import`
 * and `require` then reach the same module instance, so an error thrown by one is `instanceof`
 * the class the other imported: no dual-package hazard.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const require = createRequire(import.meta.url);

rmSync(path.join(root, 'dist'), { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' });

const { exports } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
for (const [subpath, target] of Object.entries(exports)) {
  if (typeof target === 'string') continue;
  const esm = target.import.default;
  const cjs = target.require.default;
  const from = path.relative(path.dirname(path.join(root, esm)), path.join(root, cjs)).split(path.sep).join('/');
  const specifier = from.startsWith('.') ? from : `./${from}`;
  mkdirSync(path.dirname(path.join(root, esm)), { recursive: true });
  const note = `// ${subpath === '.' ? 'lastfm-sign-in' : `lastfm-sign-in/${subpath.slice(2)}`} as an ES module: the CommonJS build, re-exported.\n`;
  // Named, so the module carries no `__esModule` export of CommonJS's interop.
  const names = Object.keys(require(path.join(root, cjs))).filter((name) => name !== '__esModule' && name !== 'default');
  writeFileSync(path.join(root, esm), `${note}export {\n${names.map((name) => `  ${name},\n`).join('')}} from '${specifier}';\n`);
  writeFileSync(path.join(root, target.import.types), `${note}export * from '${specifier}';\n`);
}
