import { fork } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createClient } from 'redis';
import { TestRedis } from '../test/helpers/redis-server';

export interface StoreMemoryResult {
  store: string;
  sessions: number;
  appRssBytes: number;
  appBytesPerSession: number;
  /** Live JavaScript heap the sessions keep in the app after a full GC (RSS also holds freed-but-kept pages). */
  appHeapBytesPerSession: number;
  /** Where the sessions really live: the SQLite file or Redis's used_memory. */
  storageBytes: number;
  storageBytesPerSession: number;
  writeSeconds: number;
}

interface ChildReport {
  type: 'memory';
  rssBefore: number;
  rssAfter: number;
  heapGrowth: number;
  writeSeconds: number;
}

function runChild(args: string[]): Promise<ChildReport> {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(__dirname, 'store-memory-child.js'), args, { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.once('message', (message: ChildReport) => resolve(message));
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`store-memory-child exited with ${String(code)}`));
    });
  });
}

async function redisUsedMemory(url: string): Promise<number> {
  const client = createClient({ url });
  await client.connect();
  const info = await client.info('memory');
  await client.quit();
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 'NaN');
}

/** RSS of a process holding `sessions` sessions in each store, and what the store itself holds. */
export async function measureStoreMemory(sessions = 100_000): Promise<StoreMemoryResult[]> {
  const results: StoreMemoryResult[] = [];
  const row = (store: string, report: ChildReport, storageBytes: number): StoreMemoryResult => ({
    store,
    sessions,
    appRssBytes: report.rssAfter - report.rssBefore,
    appBytesPerSession: (report.rssAfter - report.rssBefore) / sessions,
    appHeapBytesPerSession: report.heapGrowth / sessions,
    storageBytes,
    storageBytesPerSession: storageBytes / sessions,
    writeSeconds: report.writeSeconds,
  });

  const memory = await runChild(['memory', String(sessions)]);
  results.push(row('memory', memory, memory.rssAfter - memory.rssBefore));

  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'lastfm-bench-sqlite-'));
  try {
    const sqlite = await runChild(['sqlite', String(sessions), dataDir]);
    const fileBytes = readdirSync(dataDir).reduce((sum, file) => sum + statSync(path.join(dataDir, file)).size, 0);
    results.push(row('sqlite', sqlite, fileBytes));
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }

  const redis = await new TestRedis().start();
  try {
    const empty = await redisUsedMemory(redis.url);
    const report = await runChild(['redis', String(sessions), '', redis.url]);
    results.push(row('redis', report, (await redisUsedMemory(redis.url)) - empty));
  } finally {
    await redis.stop();
  }
  return results;
}

if (require.main === module) {
  void measureStoreMemory(Number(process.argv[2] ?? '100000')).then((rows) => {
    console.log(JSON.stringify(rows, null, 2));
  });
}
