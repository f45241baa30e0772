import { messageOf } from '../error-message';
import type { RedisClient } from '../shared-state/redis-state';
import { promiseWithDeadline } from './deadline';

/** A Redis setting under which acknowledged scrobbles (and sessions) can be lost. */
export interface DurabilityWarning {
  code: 'redis-aof-off' | 'redis-evicts';
  message: string;
}

/**
 * What Redis's own settings mean for the outbox: `checked` false when the server does not let
 * this user read its configuration (managed Redis often refuses CONFIG), which is normal, not
 * a fault; then `reason` says why, for an info line.
 */
export type DurabilityReport = { checked: true; warnings: DurabilityWarning[] } | { checked: false; reason: string };

/** Reads `appendonly` and `maxmemory-policy` and says, in one sentence each, what they put at risk. */
export async function checkRedisDurability(client: RedisClient): Promise<DurabilityReport> {
  let appendonly: string | undefined;
  let policy: string | undefined;
  try {
    appendonly = (await promiseWithDeadline(client.configGet('appendonly')))['appendonly'];
    policy = (await promiseWithDeadline(client.configGet('maxmemory-policy')))['maxmemory-policy'];
  } catch (error) {
    return { checked: false, reason: messageOf(error) };
  }
  const warnings: DurabilityWarning[] = [];
  if (appendonly !== undefined && appendonly !== 'yes') {
    warnings.push({
      code: 'redis-aof-off',
      message:
        'Redis runs with appendonly no: scrobbles the app has acknowledged but not yet delivered, and sessions, are lost if Redis restarts (everything since the last snapshot, or everything without snapshots). Run Redis with --appendonly yes.',
    });
  }
  if (policy !== undefined && policy !== 'noeviction') {
    warnings.push({
      code: 'redis-evicts',
      message: policy.startsWith('allkeys-')
        ? `Redis's maxmemory-policy is ${policy}: when its memory fills it deletes any key, queued scrobbles and sessions included. Run Redis with --maxmemory-policy noeviction.`
        : `Redis's maxmemory-policy is ${policy}: when its memory fills it deletes keys that expire, so people are signed out and delivered scrobbles vanish from their list early. Run Redis with --maxmemory-policy noeviction.`,
    });
  }
  return { checked: true, warnings };
}
