import type { Config } from '../config';
import type { SessionBackend } from '../stores/backend';
import { sealerFor } from '../stores/key-sealer';
import { createMemoryState } from './memory-state';
import { createRedisState } from './redis-state';
import { SqliteBudget } from './sqlite-budget';
import type { SharedState } from './shared-state';

/**
 * The shared state lives where the sessions do when that is Redis, so every instance on it acts
 * as one; otherwise in this process, except the call budget on SQLite, which every process on the
 * file shares (memory sessions serve one instance).
 */
export function createSharedState(config: Config, sessions: SessionBackend, times: { budgetNow?: () => number; now?: () => number } = {}): SharedState {
  // Counted from the answer, a slot whose call never reports back (the instance died mid-call) frees after the longest a call can take.
  const budget = { perSecond: config.lastfm.rateLimitPerSecond, leaseMs: config.lastfm.timeoutMs + 1000, countFrom: config.lastfm.slotsFrom };
  if (sessions.redis !== undefined) return createRedisState(sessions.redis, budget, sealerFor(config), config.lastfm.apiKey);
  const state = createMemoryState(budget, times);
  // Several processes may share one SQLite file (the outbox allows it): they share its budget too.
  if (sessions.sqlite !== undefined) return { ...state, budget: new SqliteBudget(sessions.sqlite, budget, times.budgetNow) };
  return state;
}
