import type { SandboxStore } from 'lastfm-sign-in/testing';
import type { SessionBackend } from './backend';
import { RedisSandboxStore } from './sandbox-redis';
import { SqliteSandboxStore } from './sandbox-sqlite';

/**
 * Where sandbox mode keeps the stand-in's records: where the sessions are, so a session key the
 * sandbox handed out is known as long as the session holding it, by every instance. With
 * memory sessions none: the stand-in's own memory ends with them.
 */
export function sandboxStoreFor(sessions: SessionBackend): SandboxStore | undefined {
  if (sessions.redis !== undefined) return new RedisSandboxStore(sessions.redis);
  if (sessions.sqlite !== undefined) return new SqliteSandboxStore(sessions.sqlite);
  return undefined;
}
