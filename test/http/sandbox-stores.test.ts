import Database from 'better-sqlite3';
import { createClient } from 'redis';
import { MAX_SESSION_KEYS, type SandboxRecordWrite, type SandboxStore } from 'lastfm-sign-in/testing';
import { RedisSandboxStore } from '../../src/stores/sandbox-redis';
import { SqliteSandboxStore } from '../../src/stores/sandbox-sqlite';
import { TestRedis } from '../helpers/redis-server';

/** One suite for both places the app keeps the sandbox's records: what SandboxState counts on. */

const put = (name: string, value: string, readVersion?: number, expiresAt?: number): SandboxRecordWrite => {
  const kind = name.slice(0, name.indexOf(':')) as SandboxRecordWrite['kind'];
  return { name, kind, readVersion, value, expiresAt, keepAtMost: kind === 'library' ? undefined : MAX_SESSION_KEYS };
};

function conformance(open: () => Promise<{ store: SandboxStore; close: () => Promise<void> }>) {
  let store: SandboxStore;
  let close: () => Promise<void>;

  beforeEach(async () => {
    ({ store, close } = await open());
  });

  afterEach(() => close());

  it('reads back what was written, with a version that moves on each write', async () => {
    expect(await store.write([put('key:k1', 'sandbox-ada'), put('library:sandbox-ada', '{"loves":[]}')])).toBe(true);
    const first = await store.read(['key:k1', 'library:sandbox-ada', 'key:never']);
    expect(first.get('key:k1')?.value).toBe('sandbox-ada');
    expect(first.has('key:never')).toBe(false);
    const version = first.get('library:sandbox-ada')?.version ?? 0;
    expect(await store.write([put('library:sandbox-ada', '{"loves":["a"]}', version)])).toBe(true);
    const second = (await store.read(['library:sandbox-ada'])).get('library:sandbox-ada');
    expect(second?.value).toBe('{"loves":["a"]}');
    expect(second?.version).not.toBe(version);
  });

  it('writes nothing at all when one record moved since it was read', async () => {
    await store.write([put('token:t1', '{"consumed":false}', undefined, Date.now() + 60_000)]);
    const version = (await store.read(['token:t1'])).get('token:t1')?.version;
    expect(await store.write([put('token:t1', '{"consumed":true}', version)])).toBe(true);
    // A second process that read the same version is too late, and its other write is dropped too.
    expect(await store.write([put('key:k2', 'sandbox-bo'), put('token:t1', '{"consumed":true,"again":1}', version)])).toBe(false);
    expect((await store.read(['token:t1'])).get('token:t1')?.value).toBe('{"consumed":true}');
    expect((await store.read(['key:k2'])).has('key:k2')).toBe(false);
    // Creating what already exists is a conflict as well: two processes never both make it.
    expect(await store.write([put('token:t1', '{}')])).toBe(false);
  });

  it('deletes a record, only if nobody changed it meanwhile', async () => {
    await store.write([put('authorization:a1', '{"createdAt":1}', undefined, Date.now() + 60_000)]);
    const version = (await store.read(['authorization:a1'])).get('authorization:a1')?.version;
    expect(await store.write([{ ...put('authorization:a1', ''), value: undefined, readVersion: version }])).toBe(true);
    expect((await store.read(['authorization:a1'])).size).toBe(0);
    expect(await store.write([{ ...put('authorization:a1', ''), value: undefined, readVersion: version }])).toBe(false);
  });

  it('forgets a record past its expiry', async () => {
    await store.write([put('token:old', '{}', undefined, Date.now() - 1)]);
    expect((await store.read(['token:old'])).size).toBe(0);
    // Gone for a writer too: it may be made again.
    expect(await store.write([put('token:old', '{}', undefined, Date.now() + 60_000)])).toBe(true);
  });

  it('keeps at most `keepAtMost` records of a kind, forgetting the oldest of that kind only', async () => {
    await store.write([put('token:t0', '{}', undefined, Date.now() + 60_000)]);
    const keys = Array.from({ length: MAX_SESSION_KEYS + 2 }, (_, i) => put(`key:k${i}`, 'sandbox-bo'));
    // A call writes a few records at a time; batches here only save time.
    for (let i = 0; i < keys.length; i += 1000) expect(await store.write(keys.slice(i, i + 1000))).toBe(true);
    const kept = await store.read(['token:t0', 'key:k0', 'key:k1', 'key:k2', `key:k${MAX_SESSION_KEYS + 1}`]);
    expect([...kept.keys()].sort()).toEqual(['key:k2', `key:k${MAX_SESSION_KEYS + 1}`, 'token:t0']);
  });
}

describe('SqliteSandboxStore', () => {
  conformance(() => {
    const db = new Database(':memory:');
    return Promise.resolve({ store: new SqliteSandboxStore(db), close: () => Promise.resolve(void db.close()) });
  });
});

describe('RedisSandboxStore', () => {
  let redis: TestRedis;

  beforeAll(async () => {
    redis = await new TestRedis().start();
  });

  afterAll(async () => {
    await redis.stop();
  });

  conformance(async () => {
    const client = createClient({ url: redis.url });
    await client.connect();
    await client.flushAll();
    return { store: new RedisSandboxStore(client), close: () => client.close() };
  });
});
