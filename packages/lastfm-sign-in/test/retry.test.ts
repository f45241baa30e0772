import { backoffDelay, withRetry, type RetryPolicy } from '../src/core/retry';
import { instantClock } from './helpers/clocks';

const policy: RetryPolicy = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 500, budgetMs: 10_000 };

function failing(times: number, error: Error = new Error('temporary')) {
  let calls = 0;
  const work = () => {
    calls += 1;
    return calls <= times ? Promise.reject(error) : Promise.resolve(`done after ${calls}`);
  };
  return { work, calls: () => calls };
}

describe('backoffDelay', () => {
  it('doubles from the base up to the cap, jittered within the upper half', () => {
    expect([1, 2, 3, 4, 5].map((retry) => backoffDelay(retry, policy, () => 0))).toEqual([50, 100, 200, 250, 250]);
    expect([1, 2, 3, 4, 5].map((retry) => backoffDelay(retry, policy, () => 0.999999))).toEqual([100, 200, 400, 500, 500]);
  });
});

describe('withRetry', () => {
  it('retries accepted failures and returns the first success', async () => {
    const clock = instantClock();
    const { work, calls } = failing(2);
    await expect(withRetry(work, { policy, clock, random: () => 0.5, shouldRetry: () => true })).resolves.toBe('done after 3');
    expect(calls()).toBe(3);
    expect(clock.delays).toEqual([75, 150]);
  });

  it('stops after maxAttempts and rethrows the last failure', async () => {
    const clock = instantClock();
    const error = new Error('still down');
    const { work, calls } = failing(10, error);
    await expect(withRetry(work, { policy, clock, shouldRetry: () => true })).rejects.toBe(error);
    expect(calls()).toBe(4);
    expect(clock.delays).toHaveLength(3);
  });

  it('never retries what shouldRetry refuses', async () => {
    const clock = instantClock();
    const { work, calls } = failing(1);
    await expect(withRetry(work, { policy, clock, shouldRetry: () => false })).rejects.toThrow('temporary');
    expect(calls()).toBe(1);
    expect(clock.delays).toEqual([]);
  });

  it('gives up rather than wait past the time budget', async () => {
    const clock = instantClock();
    let calls = 0;
    const slow = () => {
      calls += 1;
      clock.advance(400);
      return Promise.reject(new Error('timeout'));
    };
    await expect(withRetry(slow, { policy: { ...policy, budgetMs: 700 }, clock, random: () => 0.999, shouldRetry: () => true })).rejects.toThrow('timeout');
    // 400 ms + a 100 ms wait fits; the second try ends at 900 ms, past the budget.
    expect(calls).toBe(2);
  });
});
