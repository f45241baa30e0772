import type { Config } from '../config';
import type { Logger } from '../logger';
import type { SessionBackend } from './backend';
import { createMemoryBackend } from './memory-backend';
import { createRedisBackend } from './redis-backend';
import { createSqliteBackend } from './sqlite-backend';

/** Opens the store SESSION_STORE names; throws SessionStoreStartError with one line if it cannot. */
export async function createSessionStore(config: Config, options: { logger?: Logger } = {}): Promise<SessionBackend> {
  switch (config.session.store) {
    case 'sqlite':
      return createSqliteBackend(config, options);
    case 'redis':
      return createRedisBackend(config, options);
    case 'memory':
      return createMemoryBackend(config);
  }
}
