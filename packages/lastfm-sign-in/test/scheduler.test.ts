import { LastfmBusyError, LastfmError } from '../src/core/errors';
import { CallScheduler, type CallTicket, type Release } from '../src/core/scheduler';
import { MemoryBudget } from '../src/core/budget';
import type { CallerKind, CallPriority } from '../src/core/budget';
import { ManualClock, settle } from './helpers/clocks';

function setup(perSecond: number, options: Partial<ConstructorParameters<typeof CallScheduler>[0]> = {}) {
  const clock = new ManualClock(0);
  const budget = new MemoryBudget({ perSecond, leaseMs: 10_000 }, clock.now);
  const scheduler = new CallScheduler({ budget, clock, maxPollMs: Number.POSITIVE_INFINITY, ...options });
  /** Calls in the order they were let through, with when. */
  const sent: { name: string; at: number }[] = [];
  const outcomes = new Map<string, string>();
  const call = (name: string, priority: CallPriority, caller?: string, who: CallerKind = 'signed-in'): void => {
    const ticket: CallTicket = { method: name, priority, caller, who };
    scheduler.acquire(ticket).then(
      (release: Release) => {
        sent.push({ name, at: clock.now() });
        outcomes.set(name, 'sent');
        // Answered at once: the slot lasts one more second.
        release();
      },
      (error: unknown) => outcomes.set(name, error instanceof LastfmBusyError ? `busy:${error.reason}` : error instanceof LastfmError ? `lastfm:${error.code}` : 'other'),
    );
  };
  return { clock, budget, scheduler, sent, outcomes, call };
}

describe('CallScheduler', () => {
  it('lets sign-in exchanges go first, then writes, then reads, oldest first within each', async () => {
    const { clock, sent, call } = setup(1, { deadlinesMs: { read: 60_000 } });
    call('first', 'read');
    await settle();
    call('read-1', 'read');
    call('read-2', 'read');
    call('write-1', 'write');
    call('sign-in', 'sign-in');
    call('write-2', 'write');
    await clock.advance(10_000);
    expect(sent.map((s) => s.name)).toEqual(['first', 'sign-in', 'write-1', 'write-2', 'read-1', 'read-2']);
  });

  it('does not let a caller that always has a sign-in call waiting starve a write', async () => {
    const { clock, scheduler, sent, call } = setup(1, { deadlinesMs: { 'sign-in': 60_000, write: 60_000 } });
    let flooding = true;
    const flood = async (): Promise<void> => {
      while (flooding) {
        const release = await scheduler.acquire({ method: 'auth.getToken', priority: 'sign-in', caller: 'flooder' }).catch(() => undefined);
        release?.();
        await Promise.resolve();
      }
    };
    const floods = [flood(), flood(), flood()];
    await clock.advance(3000);
    call('love', 'write', 'victim');
    await clock.advance(20_000);
    flooding = false;
    await clock.advance(10_000);
    await Promise.all(floods);
    // It waits for the three flood calls ahead of it (one a second), not for the flood to end.
    const love = sent.find((s) => s.name === 'love');
    expect((love?.at ?? Infinity) - 3000).toBeLessThanOrEqual(5000);
  });

  it('never lets more than perSecond calls arrive within any one second', async () => {
    const { clock, sent, call } = setup(5, { deadlinesMs: { read: 60_000, write: 60_000 } });
    for (let i = 0; i < 40; i += 1) call(`c${i}`, i % 3 === 0 ? 'write' : 'read');
    await clock.advance(30_000);
    expect(sent).toHaveLength(40);
    for (const { at } of sent) expect(sent.filter((s) => s.at >= at && s.at < at + 1000).length).toBeLessThanOrEqual(5);
  });

  it('keeps a slot of each second out of reach of reads, so a write goes at once however busy reads are', async () => {
    const { sent, call } = setup(5);
    for (let i = 0; i < 6; i += 1) call(`read-${i}`, 'read');
    await settle();
    expect(sent.map((s) => s.name)).toEqual(['read-0', 'read-1', 'read-2', 'read-3']);
    call('love', 'write');
    await settle();
    expect(sent.map((s) => s.name)).toContain('love');
    expect(sent.find((s) => s.name === 'love')?.at).toBe(0);
  });

  it('refuses a call that gets no slot before its deadline, without sending it', async () => {
    const { clock, sent, outcomes, call } = setup(1, { deadlinesMs: { read: 2500 } });
    call('first', 'write');
    await settle();
    // One call per second: the third read could only go at 3 s, past its 2.5 s deadline.
    call('read-a', 'read');
    call('read-b', 'read');
    call('read-c', 'read');
    await clock.advance(5000);
    expect(sent.map((s) => s.name)).toEqual(['first', 'read-a', 'read-b']);
    expect(outcomes.get('read-c')).toBe('busy:deadline');
  });

  it('gives one caller a few places in line: beyond them a busy answer at once, while others still queue', async () => {
    const { clock, outcomes, call } = setup(1, { maxWaitingPerCaller: 2 });
    call('first', 'write');
    await settle();
    call('flood-1', 'sign-in', 'address:203.0.113.9');
    call('flood-2', 'sign-in', 'address:203.0.113.9');
    call('flood-3', 'sign-in', 'address:203.0.113.9');
    call('victim', 'write', 'session:victim');
    await settle();
    expect(outcomes.get('flood-3')).toBe('busy:client-limit');
    await clock.advance(5000);
    expect(outcomes.get('victim')).toBe('sent');
    expect(outcomes.get('flood-1')).toBe('sent');
  });

  it('bounds the line: a higher-priority call pushes out the newest read, an equal one is refused', async () => {
    const { clock, outcomes, call } = setup(1, { maxQueue: 3, deadlinesMs: { read: 60_000 } });
    call('first', 'write');
    await settle();
    call('read-1', 'read');
    call('read-2', 'read');
    call('read-3', 'read');
    call('read-4', 'read');
    call('love', 'write');
    await settle();
    expect(outcomes.get('read-4')).toBe('busy:queue-full');
    expect(outcomes.get('read-3')).toBe('busy:queue-full');
    await clock.advance(10_000);
    expect(outcomes.get('love')).toBe('sent');
    expect(outcomes.get('read-1')).toBe('sent');
    expect(outcomes.get('read-2')).toBe('sent');
  });

  it('pauses calls already waiting after error 29, and refuses at once those that cannot outlast the pause', async () => {
    const { clock, scheduler, sent, outcomes, call } = setup(1, { deadlinesMs: { write: 15_000, read: 2000 } });
    call('first', 'write');
    await settle();
    call('write-waiting', 'write');
    call('read-waiting', 'read');
    await scheduler.backOff(5000);
    await clock.advance(1);
    expect(outcomes.get('read-waiting')).toBe('lastfm:29');
    await clock.advance(4000);
    expect(sent.map((s) => s.name)).toEqual(['first']);
    await clock.advance(1500);
    expect(sent.map((s) => s.name)).toEqual(['first', 'write-waiting']);
    expect(sent[1]?.at).toBeGreaterThanOrEqual(5000);
  });

  it('holds a slot while its call is under way, so a slow answer delays the next arrival', async () => {
    const { clock, scheduler } = setup(1);
    const release = await scheduler.acquire({ method: 'slow', priority: 'write', caller: undefined });
    let nextAt: number | undefined;
    void scheduler.acquire({ method: 'next', priority: 'write', caller: undefined }).then((r) => {
      nextAt = clock.now();
      r();
    });
    await clock.advance(5000);
    expect(nextAt).toBeUndefined();
    release();
    await clock.advance(1000);
    expect(nextAt).toBe(6000);
  });

  describe('fair between callers, and no call held up by one the budget cannot take (issue 21)', () => {
    it('serves callers of one priority in turn: a second caller’s one write goes next, not after the first caller’s backlog', async () => {
      const { clock, sent, call } = setup(1, { deadlinesMs: { write: 60_000 }, maxWaitingPerCaller: 10 });
      for (let i = 0; i < 5; i += 1) call(`flood-${i}`, 'write', 'flooder');
      await settle();
      call('love', 'write', 'victim');
      await clock.advance(10_000);
      expect(sent.map((s) => s.name)).toEqual(['flood-0', 'love', 'flood-1', 'flood-2', 'flood-3', 'flood-4']);
    });

    it('takes turns among many callers, each getting one call through before anyone gets a second', async () => {
      const { clock, sent, call } = setup(1, { deadlinesMs: { write: 60_000 }, maxWaitingPerCaller: 10 });
      for (const caller of ['a', 'b', 'c']) for (let i = 0; i < 3; i += 1) call(`${caller}${i}`, 'write', caller);
      await clock.advance(20_000);
      expect(sent.map((s) => s.name)).toEqual(['a0', 'b0', 'c0', 'a1', 'b1', 'c1', 'a2', 'b2', 'c2']);
    });

    it('the review’s case: a background call waits past its handicap while other instances hold the background slots; a write arriving then goes at once', async () => {
      const { clock, budget, sent, call } = setup(5, { deadlinesMs: { background: 60_000 } });
      // Another instance's drain holds the 3 slots background calls may use (5 a second, less two reserves).
      for (let i = 0; i < 3; i += 1) expect((await budget.take('background', 'signed-in')).ok).toBe(true);
      call('delivery', 'background');
      await clock.advance(3000);
      expect(sent).toHaveLength(0);
      call('love', 'write', 'victim');
      await settle();
      expect(sent.map((s) => [s.name, s.at])).toEqual([['love', 3000]]);
    });

    it('a sign-in and a read get their slots past a background head too, each as its own priority allows', async () => {
      const { clock, budget, sent, call } = setup(5, { deadlinesMs: { background: 60_000 } });
      for (let i = 0; i < 3; i += 1) expect((await budget.take('background', 'signed-in')).ok).toBe(true);
      call('delivery', 'background');
      await clock.advance(2500);
      // Reads may use 4 of the 5 slots, sign-ins all 5: both fit beside the 3 held.
      call('profile', 'read', 'reader');
      await settle();
      call('sign-in', 'sign-in', 'visitor');
      await settle();
      expect(sent.map((s) => [s.name, s.at])).toEqual([
        ['profile', 2500],
        ['sign-in', 2500],
      ]);
    });
  });
  describe('signed-out callers together hold a bounded share of the budget (issue 21)', () => {
    it('lets sign-in calls hold 2 of 5 slots; a signed-in write arriving behind a flood of them goes at once', async () => {
      const { clock, sent, call } = setup(5, { deadlinesMs: { 'sign-in': 60_000 }, maxWaitingPerCaller: 100 });
      for (let i = 0; i < 20; i += 1) call(`getSession-${i}`, 'sign-in', `address:${i}`, 'signed-out');
      await settle();
      expect(sent).toHaveLength(2);
      call('love', 'write', 'victim');
      await settle();
      expect(sent.map((s) => s.name)).toContain('love');
      expect(sent.find((s) => s.name === 'love')?.at).toBe(0);
      // Over ten seconds the flood gets its share: 2 slots, each free again a second after its answer.
      await clock.advance(10_000);
      expect(sent.filter((s) => s.name.startsWith('getSession') && s.at < 10_000).length).toBeLessThanOrEqual(2 * 10);
    });

    it('a signed-out read (a desktop token) refused for its share does not hold up a signed-in read behind it', async () => {
      const { budget, sent, call } = setup(5, { deadlinesMs: { read: 60_000 } });
      for (let i = 0; i < 2; i += 1) expect((await budget.take('sign-in', 'signed-out')).ok).toBe(true);
      call('getToken', 'read', 'address:1', 'signed-out');
      call('profile', 'read', 'session:1');
      await settle();
      expect(sent.map((s) => s.name)).toEqual(['profile']);
    });
  });

  describe('MemoryBudget', () => {
    it('refuses a third signed-out slot of five, with the wait until one frees, while signed-in calls still get the rest', async () => {
      const clock = new ManualClock(0);
      const budget = new MemoryBudget({ perSecond: 5, leaseMs: 10_000 }, clock.now);
      const first = await budget.take('sign-in', 'signed-out');
      expect((await budget.take('sign-in', 'signed-out')).ok).toBe(true);
      expect(await budget.take('sign-in', 'signed-out')).toEqual({ ok: false, retryInMs: 10_000, pausedMs: 0 });
      if (!first.ok) throw new Error('first slot refused');
      await budget.release(first.slot);
      expect(await budget.take('sign-in', 'signed-out')).toEqual({ ok: false, retryInMs: 1000, pausedMs: 0 });
      for (let i = 0; i < 3; i += 1) expect((await budget.take('write', 'signed-in')).ok).toBe(true);
      expect((await budget.take('write', 'signed-in')).ok).toBe(false);
      await clock.advance(1000);
      expect((await budget.take('sign-in', 'signed-out')).ok).toBe(true);
    });
  });
});
