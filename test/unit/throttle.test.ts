import { Throttle } from '../../src/lastfm/throttle';
import { instantClock } from '../helpers/account';

describe('Throttle', () => {
  it('lets perSecond calls through at once and makes the rest wait their turn, in order', async () => {
    const clock = instantClock(0);
    const throttle = new Throttle({ perSecond: 3, clock });
    const started: [number, number][] = [];
    // Each call is answered at once, so each slot frees one second after it was taken.
    await Promise.all(
      Array.from({ length: 7 }, (_, i) =>
        throttle.acquire().then((release) => {
          started.push([i, clock.now()]);
          release();
        }),
      ),
    );
    expect(started).toEqual([[0, 0], [1, 0], [2, 0], [3, 1000], [4, 1000], [5, 1000], [6, 2000]]);
  });

  it('never lets more than perSecond calls start within any one second', async () => {
    const clock = instantClock(0);
    const throttle = new Throttle({ perSecond: 5, clock });
    const starts: number[] = [];
    for (let i = 0; i < 23; i += 1) {
      const release = await throttle.acquire();
      starts.push(clock.now());
      release();
      clock.advance(37);
    }
    for (const start of starts) expect(starts.filter((t) => t >= start && t < start + 1000).length).toBeLessThanOrEqual(5);
    expect(starts).toHaveLength(23);
  });

  it('counts a slow call until one second after its answer, so arrivals stay spaced whatever the latency', async () => {
    const clock = instantClock(0);
    const throttle = new Throttle({ perSecond: 2, clock });
    const first = await throttle.acquire();
    const second = await throttle.acquire();
    let thirdStartedAt: number | undefined;
    const third = throttle.acquire().then((release) => {
      thirdStartedAt = clock.now();
      return release;
    });
    // Both calls are still under way 5 s later: the third must not start.
    clock.advance(5000);
    await Promise.resolve();
    expect(thirdStartedAt).toBeUndefined();
    first();
    (await third)();
    expect(thirdStartedAt).toBe(6000);
    second();
  });

  it('does not wait when calls are spread out', async () => {
    const clock = instantClock(0);
    const throttle = new Throttle({ perSecond: 5, clock });
    for (let i = 0; i < 10; i += 1) {
      (await throttle.acquire())();
      clock.advance(250);
    }
    expect(clock.delays).toEqual([]);
  });

  it('remembers a back-off and counts it down', () => {
    const clock = instantClock(0);
    const throttle = new Throttle({ perSecond: 5, clock });
    expect(throttle.backOffRemaining()).toBe(0);
    throttle.backOff(30_000);
    clock.advance(10_000);
    expect(throttle.backOffRemaining()).toBe(20_000);
    throttle.backOff(5_000);
    expect(throttle.backOffRemaining()).toBe(20_000);
    clock.advance(20_000);
    expect(throttle.backOffRemaining()).toBe(0);
  });

  it('refuses a rate that is not positive', () => {
    expect(() => new Throttle({ perSecond: 0, clock: instantClock() })).toThrow('positive');
  });
});
