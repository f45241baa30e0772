import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const SRC = path.resolve(__dirname, '..', 'src');

/** The sign-in's own source files: the router and the passport strategy. */
function sources(): { file: string; text: string }[] {
  return ['express', 'passport'].flatMap((dir) =>
    readdirSync(path.join(SRC, dir))
      .filter((name) => name.endsWith('.ts'))
      .map((name) => ({ file: `${dir}/${name}`, text: readFileSync(path.join(SRC, dir, name), 'utf8') })),
  );
}

test('the sign-in is configured by its options only: it reads no environment variable and no file', () => {
  const found = sources().filter(({ text }) => /process\.env|from 'node:fs'|require\(|from 'fs'/.test(text));
  expect(found.map(({ file }) => file)).toEqual([]);
});

test('the sign-in loads nothing of Express at run time (types only), so the host\'s Express 4 or 5 is the one in use', () => {
  const found = sources().filter(({ text }) => /^import (?!type )[^;]*from 'express'/m.test(text));
  expect(found.map(({ file }) => file)).toEqual([]);
});
