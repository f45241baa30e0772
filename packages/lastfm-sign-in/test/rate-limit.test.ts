import { MemoryRateLimiter } from '../src/core/rate-limit';

describe('MemoryRateLimiter', () => {
  it('lets a key take its burst at once, then one every period, each key on its own', async () => {
    let now = 0;
    const limiter = new MemoryRateLimiter({ burst: 10, everyMs: 6000 }, () => now);
    for (let i = 0; i < 10; i += 1) expect(await limiter.take('a')).toBe(0);
    expect(await limiter.take('a')).toBe(6000);
    expect(await limiter.take('b')).toBe(0);
    now = 4500;
    expect(await limiter.take('a')).toBe(1500);
    now = 6000;
    expect(await limiter.take('a')).toBe(0);
    expect(await limiter.take('a')).toBe(6000);
    // A key left alone refills up to its burst, no further.
    now = 6000 + 60 * 6000;
    for (let i = 0; i < 10; i += 1) expect(await limiter.take('a')).toBe(0);
    expect(await limiter.take('a')).toBeGreaterThan(0);
  });
});
