import type { SessionBackend } from '../stores/backend';
import { MemoryOutbox } from './memory-outbox';
import type { OutboxStore } from './outbox-store';
import { RedisOutbox } from './redis-outbox';
import { SqliteOutbox } from './sqlite-outbox';

/** The outbox lives where the sessions do, so it lasts exactly as long as they do. */
export function createOutboxStore(sessions: SessionBackend): OutboxStore {
  if (sessions.redis !== undefined) return new RedisOutbox(sessions.redis);
  if (sessions.sqlite !== undefined) return new SqliteOutbox(sessions.sqlite);
  return new MemoryOutbox();
}
