import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // The example's typed.ts is type-checked by the library's pack test, against the installed tarball.
  { ignores: ['dist/', 'build/', 'node_modules/', 'coverage/', 'bench/results/', 'packages/*/dist/', 'packages/lastfm-sign-in/examples/**/*.ts'] },
  js.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [...tseslint.configs.strictTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { module: 'writable', require: 'readonly', process: 'readonly', console: 'readonly', __dirname: 'readonly' },
    },
  },
  { files: ['**/*.mjs'], languageOptions: { sourceType: 'module' } },
  // The few scripts served to browsers.
  { files: ['public/js/**/*.js'], languageOptions: { sourceType: 'script', globals: { document: 'readonly', Intl: 'readonly', window: 'readonly', fetch: 'readonly', setTimeout: 'readonly' } } },
);
