import { createLastfmClient, MemoryBudget, type BudgetAnswer, type CallBudget, type CallerKind, type CallPriority } from '../src';

/**
 * A budget written before `sending` joined CallBudget (a JavaScript host's, say) must not turn a
 * call that went out and was answered into a failure: an outbox would send it again.
 */
describe('a host budget whose sending is missing or throws', () => {
  it.each([
    ['missing', undefined],
    [
      'throwing',
      () => {
        throw new Error('not supported');
      },
    ],
    ['rejecting', () => Promise.reject(new Error('not supported'))],
  ])('still gives the call its answer when sending is %s', async (_how, sending) => {
    const inner = new MemoryBudget({ perSecond: 5, leaseMs: 10_000 });
    const budget = {
      take: (priority: CallPriority, who: CallerKind): Promise<BudgetAnswer> => inner.take(priority, who),
      release: (slot: string) => inner.release(slot),
      backOff: (ms: number) => inner.backOff(ms),
      ...(sending === undefined ? {} : { sending }),
    } as unknown as CallBudget;
    let sent = 0;
    const client = createLastfmClient({
      apiKey: 'k',
      sharedSecret: 's',
      budget,
      transport: {
        send: () => {
          sent += 1;
          return Promise.resolve({ status: 200, data: {} });
        },
      },
    });
    await expect(client.love('session-key', 'Björk', 'Jóga')).resolves.toBeUndefined();
    expect(sent).toBe(1);
  });
});
