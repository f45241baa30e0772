/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  // The app's tests and the library's own.
  roots: ['<rootDir>/test', '<rootDir>/packages/lastfm-sign-in/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    // tsconfig's isolatedModules makes ts-jest transpile only; `npm run typecheck` catches type errors.
    '^.+\\.ts$': 'ts-jest',
  },
  // The library from its source, as the app imports it through its public entry points: tests
  // see an edit at once, without a build. (Child processes such as test/helpers/server-process
  // load the built package, which `npm test` builds first.)
  moduleNameMapper: {
    '^lastfm-sign-in$': '<rootDir>/packages/lastfm-sign-in/src/index.ts',
    '^lastfm-sign-in/([a-z]+)$': '<rootDir>/packages/lastfm-sign-in/src/$1/index.ts',
  },
  testTimeout: 15000,
  // The log audit: every log line of the run is checked for every secret handed out, after all files ran.
  globalSetup: '<rootDir>/test/audit/global-setup.js',
  setupFilesAfterEnv: ['<rootDir>/test/audit/after-each-file.ts'],
  reporters: ['<rootDir>/test/audit/log-audit-reporter.js', 'default'],
};
