import { LastfmBusyError, LastfmError } from '../../src/errors';
import { UserReadCache } from '../../src/lastfm/read-cache';
import { createMemoryState } from '../../src/shared-state/memory-state';
import type { ReadStore } from '../../src/shared-state/shared-state';

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

const memoryReads = (): ReadStore => createMemoryState({ perSecond: 5, leaseMs: 1000 }).reads;

async function read<T>(cache: UserReadCache, user: string, kind: string, load: () => Promise<T>): Promise<T> {
  return (await (await cache.open(user)).get(kind, load)).value;
}

describe('UserReadCache', () => {
  it('reuses a read until it expires', async () => {
    let now = 0;
    const cache = new UserReadCache(memoryReads(), () => now, 60_000);
    let loads = 0;
    const load = () => Promise.resolve(++loads);
    expect(await read(cache, 'rj', 'profile', load)).toBe(1);
    now = 59_999;
    expect(await read(cache, 'rj', 'profile', load)).toBe(1);
    now = 60_000;
    expect(await read(cache, 'rj', 'profile', load)).toBe(2);
  });

  it('makes one call for concurrent misses of the same read', async () => {
    const cache = new UserReadCache(memoryReads(), () => 0);
    const answer = deferred<string>();
    let loads = 0;
    const load = () => {
      loads += 1;
      return answer.promise;
    };
    const pages = Array.from({ length: 25 }, () => read(cache, 'rj', 'recent', load));
    await new Promise((resolve) => setImmediate(resolve));
    answer.resolve('tracks');
    expect(await Promise.all(pages)).toEqual(Array(25).fill('tracks'));
    expect(loads).toBe(1);
  });

  it('asks again after a write, even for a read that was under way when the write happened', async () => {
    const cache = new UserReadCache(memoryReads(), () => 0);
    const before = deferred<string>();
    const first = read(cache, 'rj', 'recent', () => before.promise);
    await new Promise((resolve) => setImmediate(resolve));
    await cache.invalidate('rj');
    before.resolve('before the write');
    expect(await first).toBe('before the write');
    expect(await read(cache, 'rj', 'recent', () => Promise.resolve('after the write'))).toBe('after the write');
  });

  it('sees a write made through another cache on the same store (another instance)', async () => {
    const store = memoryReads();
    const a = new UserReadCache(store, () => 0);
    const b = new UserReadCache(store, () => 0);
    expect(await read(a, 'rj', 'recent', () => Promise.resolve('old'))).toBe('old');
    expect(await read(b, 'rj', 'recent', () => Promise.resolve('unused'))).toBe('old');
    await b.invalidate('rj');
    expect(await read(a, 'rj', 'recent', () => Promise.resolve('new'))).toBe('new');
  });

  it('lets a failed read be tried again', async () => {
    const cache = new UserReadCache(memoryReads(), () => 0);
    await expect(read(cache, 'rj', 'profile', () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(await read(cache, 'rj', 'profile', () => Promise.resolve('up'))).toBe('up');
  });

  it('serves the last good copy, marked stale, when Last.fm is busy or unavailable, but not when the key was revoked', async () => {
    let now = 0;
    const cache = new UserReadCache(memoryReads(), () => now, 60_000);
    await read(cache, 'rj', 'recent', () => Promise.resolve('kept'));
    now = 5 * 60_000;
    const busy = await (await cache.open('rj')).get('recent', () => Promise.reject(new LastfmBusyError('deadline', 'user.getRecentTracks', 2000)));
    expect(busy).toEqual({ value: 'kept', storedAt: 0, stale: true });
    const down = await (await cache.open('rj')).get('recent', () => Promise.reject(new LastfmError(16, 'try later', 'user.getRecentTracks', 200)));
    expect(down.stale).toBe(true);
    await expect((await cache.open('rj')).get('recent', () => Promise.reject(new LastfmError(9, 'revoked', 'user.getRecentTracks', 200)))).rejects.toThrow('error 9');
  });

  it('changes the version with every write, so pages built from older reads are not reused', async () => {
    const cache = new UserReadCache(memoryReads(), () => 0);
    const first = (await cache.open('rj')).version;
    await cache.invalidate('rj');
    const second = (await cache.open('rj')).version;
    await cache.invalidate('rj');
    expect(new Set([first, second, (await cache.open('rj')).version]).size).toBe(3);
  });
});
