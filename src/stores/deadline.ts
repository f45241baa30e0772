import { AsyncLocalStorage } from 'node:async_hooks';
import { StoreTimeoutError } from '../errors';

/** How long a request waits for its stores, in all, before it gets a 503. */
export const STORE_DEADLINE_MS = 3000;

/** The store time a request has left; outside a request (the delivery loop) each call has its own deadline. */
interface StoreBudget {
  leftMs: number;
}

const requestBudget = new AsyncLocalStorage<StoreBudget>();

/**
 * Runs `work` (the rest of a request) with STORE_DEADLINE_MS of store waiting in all: every store
 * call under it waits at most what is left, so a hung store costs the request one deadline, not
 * one per step (session, outbox, shared state, the save at the end).
 */
export function withStoreBudget<T>(work: () => T, ms: number = STORE_DEADLINE_MS): T {
  return requestBudget.run({ leftMs: ms }, work);
}

/** How long this call may wait: `ms`, or less when the request's store time is nearly spent. Call `spent` when it settles. */
function startWait(ms: number): { ms: number; spent: () => void } {
  const budget = requestBudget.getStore();
  if (budget === undefined) return { ms, spent: () => undefined };
  const started = performance.now();
  return { ms: Math.max(0, Math.min(ms, budget.leftMs)), spent: () => (budget.leftMs -= performance.now() - started) };
}

/**
 * A callback that is called once: with the store's answer, or with a StoreTimeoutError if that
 * takes longer than `ms` (a late answer is then dropped). Client libraries time out sending, not
 * waiting for a reply, so a hung server would otherwise hang the request.
 */
export function callbackWithDeadline<A extends unknown[]>(ms: number, callback: ((error: unknown, ...rest: A) => void) | undefined): (error: unknown, ...rest: A) => void {
  const wait = startWait(ms);
  let settled = false;
  const timer = setTimeout(() => {
    if (settled) return;
    settled = true;
    wait.spent();
    (callback as ((error: unknown) => void) | undefined)?.(new StoreTimeoutError(ms));
  }, wait.ms);
  return (error, ...rest) => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    wait.spent();
    callback?.(error, ...rest);
  };
}

/**
 * `callbackWithDeadline` for a store whose every answer comes from this process (memory, SQLite's
 * synchronous calls): called once, with no timer, since nothing there can keep it waiting.
 */
export function callbackOnce<A extends unknown[]>(ms: number | 'in-process', callback: ((error: unknown, ...rest: A) => void) | undefined): (error: unknown, ...rest: A) => void {
  if (ms !== 'in-process') return callbackWithDeadline(ms, callback);
  let settled = false;
  return (error, ...rest) => {
    if (settled) return;
    settled = true;
    callback?.(error, ...rest);
  };
}

/** The promise's outcome, or a StoreTimeoutError after `ms` (or what is left of the request's store time). */
export function promiseWithDeadline<T>(promise: Promise<T>, ms: number = STORE_DEADLINE_MS): Promise<T> {
  const wait = startWait(ms);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new StoreTimeoutError(ms)), wait.ms);
  });
  return Promise.race([promise, timeout]).finally(() => {
    clearTimeout(timer);
    wait.spent();
  });
}
