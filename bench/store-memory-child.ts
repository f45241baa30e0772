import { randomBytes } from 'node:crypto';
import type { SessionData } from 'express-session';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/logger';
import { createSessionStore } from '../src/stores/create-session-store';

/**
 * Fills one session store with signed-in sessions, as the app writes them (through the sealing
 * wrapper), and reports this process's RSS before and after.
 */
async function main(): Promise<void> {
  const [kind = 'memory', count = '100000', dataDir = '', redisUrl = ''] = process.argv.slice(2);
  const config = loadConfig({
    NODE_ENV: 'test',
    SESSION_STORE: kind,
    DATA_DIR: dataDir,
    REDIS_URL: redisUrl,
    SESSION_SECRET: 'benchmark-session-secret-0123456789abcdef',
  });
  const backend = await createSessionStore(config, { logger: createLogger({ level: 'silent' }) });
  const set = (sid: string, session: SessionData) =>
    new Promise<void>((resolve, reject) => {
      backend.store.set(sid, session, (error?: unknown) => (error ? reject(error instanceof Error ? error : new Error('store error')) : resolve()));
    });

  global.gc?.();
  const before = process.memoryUsage().rss;
  const heapBefore = process.memoryUsage().heapUsed;
  const total = Number(count);
  const started = performance.now();
  const expires = new Date(Date.now() + config.session.ttlMs);
  for (let done = 0; done < total; done += 500) {
    await Promise.all(
      Array.from({ length: Math.min(500, total - done) }, (_, i) => {
        const n = done + i;
        const session = {
          cookie: { originalMaxAge: config.session.ttlMs, expires, httpOnly: true, path: '/', sameSite: 'lax', secure: false },
          lastfm: { user: { name: `listener-${n}`, key: randomBytes(16).toString('hex'), subscriber: false, signedInAt: Date.now() } },
          csrfToken: randomBytes(32).toString('base64url'),
        } as unknown as SessionData;
        return set(randomBytes(24).toString('base64url'), session);
      }),
    );
  }
  const seconds = (performance.now() - started) / 1000;
  global.gc?.();
  const after = process.memoryUsage().rss;
  const heapAfter = process.memoryUsage().heapUsed;
  await backend.close();
  process.send?.({ type: 'memory', kind, count: total, rssBefore: before, rssAfter: after, heapGrowth: heapAfter - heapBefore, writeSeconds: seconds });
}

void main();
