import { loadConfig } from '../../src/config';
import { ConfigError } from '../../src/errors';

/** The problem lines loadConfig reports for `env`; empty when it accepts it. */
export function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
}
