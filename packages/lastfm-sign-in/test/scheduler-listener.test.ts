import { CallScheduler, type SchedulerEvent } from '../src/core/scheduler';
import { MemoryBudget } from '../src/core/budget';
import { ManualClock, settle } from './helpers/clocks';

/** The scheduler's events, for metrics: each wait, refusal and back-off told once, with the line's length. */
describe('CallScheduler listener', () => {
  it('tells when a call queued, was granted after its wait, released after its time on the wire, or was refused and why', async () => {
    const clock = new ManualClock(0);
    const events: SchedulerEvent[] = [];
    const scheduler = new CallScheduler({
      budget: new MemoryBudget({ perSecond: 1, leaseMs: 10_000 }, clock.now),
      clock,
      maxPollMs: Number.POSITIVE_INFINITY,
      maxQueue: 2,
      maxWaitingPerCaller: 1,
      deadlinesMs: { read: 1500 },
      listener: (event) => events.push(event),
    });
    const first = await scheduler.acquire({ method: 'user.getInfo', priority: 'read', caller: undefined });
    await clock.advance(300);
    first();
    // The budget's one slot a second is spent: these wait.
    const late = scheduler.acquire({ method: 'user.getTopTags', priority: 'read', caller: 'a' }).then(() => 'sent', () => 'refused');
    const refusedForCaller = scheduler.acquire({ method: 'user.getInfo', priority: 'read', caller: 'a' }).catch(() => 'refused');
    const waiting = scheduler.acquire({ method: 'track.love', priority: 'write', caller: 'b' });
    const full = scheduler.acquire({ method: 'user.getInfo', priority: 'read', caller: 'c' }).catch(() => 'refused');
    expect(await refusedForCaller).toBe('refused');
    expect(await full).toBe('refused');
    await clock.advance(2000);
    (await waiting)();
    expect(await late).toBe('refused');
    await scheduler.backOff(30_000);
    await settle();

    expect(events).toEqual([
      { type: 'queued', method: 'user.getInfo', priority: 'read', waiting: 1 },
      { type: 'granted', method: 'user.getInfo', priority: 'read', waitedMs: 0, waiting: 0 },
      { type: 'released', method: 'user.getInfo', priority: 'read', heldMs: 300 },
      { type: 'queued', method: 'user.getTopTags', priority: 'read', waiting: 1 },
      { type: 'refused', method: 'user.getInfo', priority: 'read', reason: 'client-limit', waiting: 1 },
      { type: 'queued', method: 'track.love', priority: 'write', waiting: 2 },
      { type: 'refused', method: 'user.getInfo', priority: 'read', reason: 'queue-full', waiting: 2 },
      { type: 'granted', method: 'track.love', priority: 'write', waitedMs: 1000, waiting: 1 },
      { type: 'refused', method: 'user.getTopTags', priority: 'read', reason: 'deadline', waiting: 0 },
      { type: 'released', method: 'track.love', priority: 'write', heldMs: 1000 },
      { type: 'back-off', ms: 30_000 },
    ]);
  });
});
