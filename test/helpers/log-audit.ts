import { appendFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Files the log audit (test/audit/log-audit-reporter.js) reads after the whole run. Each jest
 * worker appends to its own files; outside a full jest run (no LOG_AUDIT_DIR) nothing is written.
 */
function append(kind: 'logs' | 'secrets-handed-out' | 'secrets-fixed', lines: readonly string[]): void {
  const dir = process.env.LOG_AUDIT_DIR;
  if (dir === undefined || lines.length === 0) return;
  appendFileSync(path.join(dir, `${kind}-${String(process.pid)}.txt`), lines.map((line) => `${line}\n`).join(''));
}

export function recordLogLines(lines: readonly string[]): void {
  append('logs', lines);
}

/** Values a fake or the sandbox handed out during a test: session keys, tokens. */
export function recordSecrets(values: Iterable<string>): void {
  append('secrets-handed-out', [...values].filter((value) => value !== ''));
}

/** Secrets that exist before any test runs: the shared secrets, session secret, demo passwords. */
export function recordFixedSecrets(values: readonly string[]): void {
  append('secrets-fixed', values);
}

/** What the log audit needs of a SandboxState: the tokens and session keys it handed out. */
interface SandboxSecrets {
  tokens: ReadonlyMap<string, unknown>;
  sessionKeys: ReadonlyMap<string, unknown>;
}

/** Sandboxes built in this test file; what they handed out is recorded once the file is done. */
const sandboxes = new Set<SandboxSecrets>();

export function watchSandbox(state: SandboxSecrets): void {
  sandboxes.add(state);
}

/** Called after each test file by test/audit/after-each-file.ts. */
export function recordSandboxSecrets(): void {
  for (const state of sandboxes) recordSecrets([...state.tokens.keys(), ...state.sessionKeys.keys()]);
  sandboxes.clear();
}
