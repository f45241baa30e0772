import { UserReadCache } from '../../src/lastfm/read-cache';

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('UserReadCache', () => {
  it('reuses a read until it expires', async () => {
    let now = 0;
    const cache = new UserReadCache(() => now, 60_000);
    let loads = 0;
    const load = () => Promise.resolve(++loads);
    expect(await cache.get('rj', 'profile', load)).toBe(1);
    now = 59_999;
    expect(await cache.get('rj', 'profile', load)).toBe(1);
    now = 60_000;
    expect(await cache.get('rj', 'profile', load)).toBe(2);
  });

  it('makes one call for concurrent misses of the same read', async () => {
    const cache = new UserReadCache(() => 0);
    const answer = deferred<string>();
    let loads = 0;
    const load = () => {
      loads += 1;
      return answer.promise;
    };
    const pages = Array.from({ length: 25 }, () => cache.get('rj', 'recent', load));
    answer.resolve('tracks');
    expect(await Promise.all(pages)).toEqual(Array(25).fill('tracks'));
    expect(loads).toBe(1);
  });

  it('does not keep what a read saw when a write invalidated the user meanwhile', async () => {
    const cache = new UserReadCache(() => 0);
    const stale = deferred<string>();
    const first = cache.get('rj', 'recent', () => stale.promise);
    cache.invalidate('rj');
    stale.resolve('before the write');
    expect(await first).toBe('before the write');
    expect(await cache.get('rj', 'recent', () => Promise.resolve('after the write'))).toBe('after the write');
  });

  it('lets a failed read be tried again', async () => {
    const cache = new UserReadCache(() => 0);
    await expect(cache.get('rj', 'profile', () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(await cache.get('rj', 'profile', () => Promise.resolve('up'))).toBe('up');
  });

  it('names what it holds for a person with a version that changes with every store and invalidation, never repeating', async () => {
    let now = 0;
    const cache = new UserReadCache(() => now, 60_000);
    const seen: (number | undefined)[] = [cache.version('rj')];
    await cache.get('rj', 'profile', () => Promise.resolve('p1'));
    seen.push(cache.version('rj'));
    await cache.get('rj', 'profile', () => Promise.resolve('unused'));
    expect(cache.version('rj')).toBe(seen[1]);
    await cache.get('rj', 'recent', () => Promise.resolve('r1'));
    seen.push(cache.version('rj'));
    await cache.get('other', 'profile', () => Promise.resolve('o1'));
    expect(cache.version('rj')).toBe(seen[2]);
    now = 60_000;
    await cache.get('rj', 'profile', () => Promise.resolve('p2'));
    seen.push(cache.version('rj'));
    cache.invalidate('rj');
    seen.push(cache.version('rj'));
    await cache.get('rj', 'profile', () => Promise.resolve('p3'));
    seen.push(cache.version('rj'));
    expect(seen[0]).toBeUndefined();
    expect(seen[4]).toBeUndefined();
    const defined = seen.filter((v) => v !== undefined);
    expect(defined).toHaveLength(4);
    expect(new Set(defined).size).toBe(4);
  });
});
