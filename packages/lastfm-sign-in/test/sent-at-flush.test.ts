import dns, { type LookupAddress, type LookupOptions } from 'node:dns';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLastfmClient, MemoryBudget, SENT_SLOT_MS, type BudgetAnswer, type CallBudget, type CallerKind, type CallPriority, type HttpTransport } from '../src';

/**
 * Counting from the send, a call's second starts when the budget hears it was sent, so that must
 * not be before its bytes left: a call still opening its connection would otherwise reach
 * Last.fm later than its second assumes, closer to the next call than a second.
 */
describe('when a call is counted as sent', () => {
  const HELD_MS = 300;
  let server: http.Server;
  let port: number;

  beforeAll(async () => {
    // Answers 100 ms after the request ended, so the answer comes clearly after the send.
    server = http.createServer((request, response) => {
      request.resume();
      request.on('end', () => setTimeout(() => response.writeHead(200, { 'Content-Type': 'application/json' }).end('{}'), 100));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    jest.restoreAllMocks();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('the default transport reports it once the request is written to a connected socket, not when it is handed over', async () => {
    // The connection cannot open before the name is resolved: hold the lookup of a made-up name,
    // as a slow DNS answer or a long connect would, then point it at the local server.
    let resolvedAt = Number.POSITIVE_INFINITY;
    jest.spyOn(dns, 'lookup').mockImplementation(((hostname: string, options: LookupOptions, callback: (error: Error | null, address: string | LookupAddress[], family?: number) => void) => {
      expect(hostname).toBe('held.test');
      setTimeout(() => {
        resolvedAt = Date.now();
        if (options.all === true) callback(null, [{ address: '127.0.0.1', family: 4 }]);
        else callback(null, '127.0.0.1', 4);
      }, HELD_MS);
    }) as unknown as typeof dns.lookup);
    const inner = new MemoryBudget({ perSecond: 5, leaseMs: 10_000, countFrom: 'send' });
    const marks: { sentAt?: number; releasedAt?: number } = {};
    const budget: CallBudget = {
      take: (priority: CallPriority, who: CallerKind): Promise<BudgetAnswer> => inner.take(priority, who),
      sending: (slot) => {
        marks.sentAt = Date.now();
        return inner.sending(slot);
      },
      release: (slot) => {
        marks.releasedAt = Date.now();
        return inner.release(slot);
      },
      backOff: (ms) => inner.backOff(ms),
    };
    const client = createLastfmClient({ apiKey: 'k', sharedSecret: 's', apiUrl: `http://held.test:${port}/2.0/`, budget });
    const handedAt = Date.now();

    await client.love('session-key', 'Björk', 'Jóga');

    expect(marks.sentAt).toBeGreaterThanOrEqual(resolvedAt);
    expect(resolvedAt - handedAt).toBeGreaterThanOrEqual(HELD_MS - 5);
    expect(marks.sentAt).toBeLessThan(marks.releasedAt ?? Number.NEGATIVE_INFINITY);
  });

  it('a host transport that never reports the send leaves the slot held until a second after the answer', async () => {
    let now = 0;
    const answerAfter = (tellSent: boolean): HttpTransport => ({
      send: (request) => {
        if (tellSent) request.onSent?.();
        now = 500;
        return Promise.resolve({ status: 200, data: {} });
      },
    });
    const afterOneCall = async (tellSent: boolean, at: number): Promise<BudgetAnswer> => {
      now = 0;
      const budget = new MemoryBudget({ perSecond: 1, leaseMs: 10_000, countFrom: 'send' }, () => now);
      await createLastfmClient({ apiKey: 'k', sharedSecret: 's', budget, transport: answerAfter(tellSent) }).love('session-key', 'Björk', 'Jóga');
      now = at;
      return budget.take('write', 'signed-in');
    };

    // Told at 0, the one slot frees a second and the margin later, though the answer took 500 ms ...
    expect(await afterOneCall(true, SENT_SLOT_MS)).toMatchObject({ ok: true });
    // ... never told, it frees a second after the answer: counted from the answer, as is safe.
    expect(await afterOneCall(false, SENT_SLOT_MS)).toEqual({ ok: false, retryInMs: 1500 - SENT_SLOT_MS, pausedMs: 0 });
    expect(await afterOneCall(false, 1500)).toMatchObject({ ok: true });
  });
});
