/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    // tsconfig's isolatedModules makes ts-jest transpile only; `npm run typecheck` catches type errors.
    '^.+\\.ts$': 'ts-jest',
  },
  testTimeout: 15000,
  // The log audit: every log line of the run is checked for every secret handed out, after all files ran.
  globalSetup: '<rootDir>/test/audit/global-setup.js',
  setupFilesAfterEnv: ['<rootDir>/test/audit/after-each-file.ts'],
  reporters: ['<rootDir>/test/audit/log-audit-reporter.js', 'default'],
};
