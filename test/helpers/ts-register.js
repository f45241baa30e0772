// Lets a child `node` run src/server.ts straight from source (no build, no tsx): TypeScript's own
// transpiler, one file at a time, as ts-jest does for the tests. Output is kept on disk by the
// source's hash, so the many server processes of a test run load TypeScript (slow) only once.
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const cacheDir = path.join(os.tmpdir(), 'lastfm-signin-ts-register');
let ts;

require.extensions['.ts'] = (module, filename) => {
  const source = fs.readFileSync(filename, 'utf8');
  const cached = path.join(cacheDir, `${crypto.createHash('sha256').update(filename).update('\0').update(source).digest('hex')}.js`);
  let outputText;
  try {
    outputText = fs.readFileSync(cached, 'utf8');
  } catch {
    ts ??= require('typescript');
    ({ outputText } = ts.transpileModule(source, {
      fileName: filename,
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    }));
    fs.mkdirSync(cacheDir, { recursive: true });
    // Written whole under a temporary name, then renamed: a process reading at the same time sees all or nothing.
    const partial = `${cached}.${process.pid}.tmp`;
    fs.writeFileSync(partial, outputText);
    fs.renameSync(partial, cached);
  }
  module._compile(outputText, filename);
};
