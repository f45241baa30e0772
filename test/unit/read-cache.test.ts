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
});
