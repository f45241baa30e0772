import type { SessionBackend } from '../stores/backend';
import { MemoryDailyCount, type DailyScrobbleCount } from './daily-count';
import { MemoryOutbox } from './memory-outbox';
import type { OutboxStore } from './outbox-store';
import { RedisDailyCount } from './redis-daily-count';
import { RedisOutbox } from './redis-outbox';
import { SqliteDailyCount } from './sqlite-daily-count';
import { SqliteOutbox } from './sqlite-outbox';

/** The outbox lives where the sessions do, so it lasts exactly as long as they do. */
export function createOutboxStore(sessions: SessionBackend): OutboxStore {
  if (sessions.redis !== undefined) return new RedisOutbox(sessions.redis);
  if (sessions.sqlite !== undefined) return new SqliteOutbox(sessions.sqlite);
  return new MemoryOutbox();
}

/** Each person's sends of the last day, kept beside the outbox, so every instance counts the same. */
export function createDailyCount(sessions: SessionBackend): DailyScrobbleCount {
  if (sessions.redis !== undefined) return new RedisDailyCount(sessions.redis);
  if (sessions.sqlite !== undefined) return new SqliteDailyCount(sessions.sqlite);
  return new MemoryDailyCount();
}
