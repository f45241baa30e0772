import { recordSandboxSecrets } from '../helpers/log-audit';

// The sandbox hands out tokens and session keys inside the app; they are collected once the file is done.
afterAll(() => {
  recordSandboxSecrets();
});
