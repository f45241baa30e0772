import { LastfmBusyError, LastfmError } from '../src/core/errors';
import { CallScheduler, type CallTicket, type Release } from '../src/core/scheduler';
import { MemoryBudget } from '../src/core/budget';
import { SEND_MARGIN_MS, SLOT_WINDOW_MS, backgroundSpacingMs, type CallBudget, type CallerKind, type CallPriority, type SlotCount } from '../src/core/budget';
import { ManualClock, settle } from './helpers/clocks';

function setup(perSecond: number, options: Partial<ConstructorParameters<typeof CallScheduler>[0]> = {}, countFrom: SlotCount = 'answer') {
  const clock = new ManualClock(0);
  const budget = new MemoryBudget({ perSecond, leaseMs: 10_000, countFrom }, clock.now);
  return { budget, ...setupOn(budget, clock, options) };
}

/** A scheduler (one instance) over `budget`, which other schedulers may share. */
function setupOn(budget: CallBudget, clock: ManualClock, options: Partial<ConstructorParameters<typeof CallScheduler>[0]> = {}) {
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
        // Sent, and answered at once.
        release.sending();
        release();
      },
      (error: unknown) => outcomes.set(name, error instanceof LastfmBusyError ? `busy:${error.reason}` : error instanceof LastfmError ? `lastfm:${error.code}` : 'other'),
    );
  };
  return { clock, scheduler, sent, outcomes, call };
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

    /** The budget of `setup`, but refusing every background call, as another instance's drain pacing it would. */
    function refusingBackground(perSecond: number): { budget: CallBudget; inner: MemoryBudget; clock: ManualClock } {
      const clock = new ManualClock(0);
      const inner = new MemoryBudget({ perSecond, leaseMs: 10_000 }, clock.now);
      const budget: CallBudget = {
        take: (priority, who) => (priority === 'background' ? Promise.resolve({ ok: false, retryInMs: 100, pausedMs: 0 }) : inner.take(priority, who)),
        sending: (slot) => inner.sending(slot),
        release: (slot) => inner.release(slot),
        backOff: (ms) => inner.backOff(ms),
      };
      return { budget, inner, clock };
    }

    it('the review’s case: a background call waits past its handicap while other instances hold 3 slots and the budget will not take it; a write arriving then goes at once', async () => {
      const { budget, inner, clock } = refusingBackground(5);
      const { sent, call } = setupOn(budget, clock, { deadlinesMs: { background: 60_000 } });
      call('delivery', 'background');
      await clock.advance(3000);
      expect(sent).toHaveLength(0);
      for (let i = 0; i < 3; i += 1) expect((await inner.take('write', 'signed-in')).ok).toBe(true);
      call('love', 'write', 'victim');
      await settle();
      expect(sent.map((s) => [s.name, s.at])).toEqual([['love', 3000]]);
    });

    it('a sign-in and a read get their slots past a background head too, each as its own priority allows', async () => {
      const { budget, inner, clock } = refusingBackground(5);
      const { sent, call } = setupOn(budget, clock, { deadlinesMs: { background: 60_000 } });
      call('delivery', 'background');
      await clock.advance(2500);
      for (let i = 0; i < 3; i += 1) expect((await inner.take('write', 'signed-in')).ok).toBe(true);
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

  describe('work-conserving: outbox deliveries use every free slot, and a call that arrives still gets one soon (issue 21)', () => {
    it('counting slots from the send, an answer that has not come does not hold the next call back past the window and margin', async () => {
      const { clock, scheduler } = setup(1, {}, 'send');
      const slow = await scheduler.acquire({ method: 'slow', priority: 'write', caller: undefined });
      await clock.advance(300);
      slow.sending();
      let nextAt: number | undefined;
      void scheduler.acquire({ method: 'next', priority: 'write', caller: undefined }).then((release) => {
        nextAt = clock.now();
        release();
      });
      await clock.advance(5000);
      expect(nextAt).toBe(300 + SLOT_WINDOW_MS + SEND_MARGIN_MS);
    });

    it('counting slots from the send, holds a granted slot until its call is sent, and frees it a second after a quick answer', async () => {
      const { clock, scheduler } = setup(1, {}, 'send');
      const first = await scheduler.acquire({ method: 'first', priority: 'write', caller: undefined });
      let nextAt: number | undefined;
      void scheduler.acquire({ method: 'next', priority: 'write', caller: undefined }).then((release) => {
        nextAt = clock.now();
        release();
      });
      // Granted but not yet sent (the outbox renewing its lease): the slot stays taken.
      await clock.advance(2000);
      expect(nextAt).toBeUndefined();
      first.sending();
      await clock.advance(20);
      first();
      await clock.advance(5000);
      // A second after the answer, which came before the send's margin ran out.
      expect(nextAt).toBe(2020 + SLOT_WINDOW_MS);
    });

    it('lets background alone use every slot, one a spacing apart, never more than five in a second', async () => {
      const { clock, sent, call } = setup(5, { deadlinesMs: { background: 60_000 } });
      for (let i = 0; i < 60; i += 1) call(`delivery-${i}`, 'background');
      await clock.advance(10_000);
      // Answered at once, each slot frees a second after its answer: the spacing is the limit.
      expect(sent.filter((s) => s.at < 10_000).length).toBe(Math.ceil(10_000 / backgroundSpacingMs(5)));
      for (const [i, { at }] of sent.entries()) {
        expect(sent.filter((s) => s.at >= at && s.at < at + SLOT_WINDOW_MS).length).toBeLessThanOrEqual(5);
        if (i > 0) expect(at - (sent[i - 1]?.at ?? 0)).toBeGreaterThanOrEqual(backgroundSpacingMs(5));
      }
    });

    it('with 300 ms answers, a drain keeps five calls in every 1,100 ms counting slots from the send, five in every 1,300 ms from the answer', async () => {
      const drain = async (countFrom: SlotCount): Promise<number[]> => {
        const { clock, scheduler } = setup(5, { deadlinesMs: { background: 60_000 } }, countFrom);
        const sentAt: number[] = [];
        for (let i = 0; i < 80; i += 1) {
          void scheduler.acquire({ method: `delivery-${i}`, priority: 'background', caller: undefined }).then(async (release) => {
            sentAt.push(clock.now());
            release.sending();
            await clock.sleep(300);
            release();
          });
        }
        await clock.advance(11_000);
        for (const at of sentAt) expect(sentAt.filter((t) => t >= at && t < at + SLOT_WINDOW_MS).length).toBeLessThanOrEqual(5);
        return sentAt.filter((at) => at < 11_000);
      };
      // One a spacing (220 ms) apart throughout: 50 in 11 s, the rate less its margin.
      expect(await drain('send')).toHaveLength(11_000 / backgroundSpacingMs(5, 'send'));
      // Each slot free 1,300 ms after its grant, and the grants spread to match once answers are
      // known: one every 260 ms, never a gap a waiting write would sit through.
      const fromAnswer = await drain('answer');
      expect(fromAnswer.length).toBeGreaterThanOrEqual(Math.floor((11_000 / (SLOT_WINDOW_MS + 300)) * 5));
      const settled = fromAnswer.filter((at) => at >= 2000);
      for (const [i, at] of settled.entries()) if (i > 0) expect(at - (settled[i - 1] ?? 0)).toBeLessThanOrEqual(backgroundSpacingMs(5, 'answer', 300));
    });

    it('grants a write that arrives during a drain within one spacing, wherever in the second it arrives', async () => {
      const { clock, sent, call } = setup(5, { deadlinesMs: { background: 60_000 } });
      for (let i = 0; i < 100; i += 1) call(`delivery-${i}`, 'background');
      await clock.advance(3000);
      const arrivals: Record<string, number> = {};
      for (let n = 0; n < 12; n += 1) {
        // 437 ms apart: every phase of the drain's one-a-fifth-of-a-second beat.
        await clock.advance(437);
        arrivals[`love-${n}`] = clock.now();
        call(`love-${n}`, 'write', 'lover');
      }
      await clock.advance(2000);
      for (const [name, at] of Object.entries(arrivals)) {
        const granted = sent.find((s) => s.name === name)?.at;
        expect(granted).toBeDefined();
        expect((granted ?? Infinity) - at).toBeLessThanOrEqual(backgroundSpacingMs(5));
      }
      // The drain went on around them, at the rate.
      expect(sent.filter((s) => s.name.startsWith('delivery')).length).toBeGreaterThanOrEqual(Math.floor((3000 + 12 * 437 + 2000) / (SLOT_WINDOW_MS + SEND_MARGIN_MS)) * 5 - 12);
    });

    it('grants a write on another instance within one spacing too: its refusal keeps that instance’s drain off the next slot', async () => {
      const clock = new ManualClock(0);
      const budget = new MemoryBudget({ perSecond: 5, leaseMs: 10_000 }, clock.now);
      const draining = setupOn(budget, clock, { deadlinesMs: { background: 60_000 } });
      const other = setupOn(budget, clock, {});
      for (let i = 0; i < 100; i += 1) draining.call(`delivery-${i}`, 'background');
      await clock.advance(3000);
      const arrivals: Record<string, number> = {};
      for (let n = 0; n < 12; n += 1) {
        await clock.advance(437);
        arrivals[`love-${n}`] = clock.now();
        other.call(`love-${n}`, 'write', 'lover');
      }
      await clock.advance(2000);
      for (const [name, at] of Object.entries(arrivals)) {
        const granted = other.sent.find((s) => s.name === name)?.at;
        expect((granted ?? Infinity) - at).toBeLessThanOrEqual(backgroundSpacingMs(5));
      }
      const all = [...draining.sent, ...other.sent].map((s) => s.at);
      for (const at of all) expect(all.filter((t) => t >= at && t < at + SLOT_WINDOW_MS).length).toBeLessThanOrEqual(5);
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
    it('refuses a third signed-out slot of five, with the wait until one frees, while signed-in calls still get the rest (slots counted from the send)', async () => {
      const clock = new ManualClock(0);
      const budget = new MemoryBudget({ perSecond: 5, leaseMs: 10_000, countFrom: 'send' }, clock.now);
      const first = await budget.take('sign-in', 'signed-out');
      const second = await budget.take('sign-in', 'signed-out');
      if (!first.ok || !second.ok) throw new Error('a slot refused');
      // Taken until sent, then a second and the margin from the send.
      expect(await budget.take('sign-in', 'signed-out')).toEqual({ ok: false, retryInMs: 10_000, pausedMs: 0 });
      await budget.sending(first.slot);
      await budget.sending(second.slot);
      await clock.advance(100);
      expect(await budget.take('sign-in', 'signed-out')).toEqual({ ok: false, retryInMs: SLOT_WINDOW_MS + SEND_MARGIN_MS - 100, pausedMs: 0 });
      for (let i = 0; i < 3; i += 1) expect((await budget.take('write', 'signed-in')).ok).toBe(true);
      expect((await budget.take('write', 'signed-in')).ok).toBe(false);
      await clock.advance(SLOT_WINDOW_MS + SEND_MARGIN_MS - 100);
      expect((await budget.take('sign-in', 'signed-out')).ok).toBe(true);
    });

    it('by default counts slots from the answer: holds a slot while the call is under way, sent or not, and frees it a second after its answer', async () => {
      const clock = new ManualClock(0);
      const budget = new MemoryBudget({ perSecond: 1, leaseMs: 10_000 }, clock.now);
      const first = await budget.take('write', 'signed-in');
      if (!first.ok) throw new Error('first slot refused');
      expect(await budget.take('write', 'signed-in')).toEqual({ ok: false, retryInMs: 10_000, pausedMs: 0 });
      await clock.advance(300);
      // The send changes nothing here: only the answer does.
      await budget.sending(first.slot);
      expect(await budget.take('write', 'signed-in')).toEqual({ ok: false, retryInMs: 9700, pausedMs: 0 });
      await budget.release(first.slot);
      expect(await budget.take('write', 'signed-in')).toEqual({ ok: false, retryInMs: SLOT_WINDOW_MS, pausedMs: 0 });
    });
  });
});
