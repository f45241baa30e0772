import { AttemptLimiter } from '../src/core/attempt-limiter';

describe('AttemptLimiter', () => {
  let clock: number;
  beforeEach(() => {
    clock = 1_000_000;
  });

  it('allows max attempts per window, then says how long to wait, then allows again', () => {
    const limiter = new AttemptLimiter({ max: 3, windowMs: 1000 }, () => clock);
    expect([limiter.take('a'), limiter.take('a'), limiter.take('a')]).toEqual([0, 0, 0]);
    clock += 400;
    expect(limiter.take('a')).toBe(600);
    expect(limiter.take('b')).toBe(0);
    clock += 600;
    expect(limiter.take('a')).toBe(0);
  });

  it('holds at most maxKeys keys, forgetting the oldest', () => {
    const limiter = new AttemptLimiter({ max: 1, windowMs: 60_000 }, () => clock, 100);
    for (let i = 0; i < 1000; i += 1) limiter.take(`key${i}`);
    expect(limiter.size).toBeLessThanOrEqual(100);
    expect(limiter.take('key999')).toBeGreaterThan(0);
    expect(limiter.take('key0')).toBe(0);
  });

  it('drops ended windows first', () => {
    const limiter = new AttemptLimiter({ max: 1, windowMs: 1000 }, () => clock, 10);
    for (let i = 0; i < 10; i += 1) limiter.take(`old${i}`);
    clock += 1000;
    limiter.take('new');
    expect(limiter.size).toBe(1);
  });
});
