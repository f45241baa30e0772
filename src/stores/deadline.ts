import { StoreTimeoutError } from '../errors';

/** How long a request waits for the session store before it gets a 503. */
export const STORE_DEADLINE_MS = 3000;

/**
 * A callback that is called once: with the store's answer, or with a StoreTimeoutError if that
 * takes longer than `ms` (a late answer is then dropped). Client libraries time out sending, not
 * waiting for a reply, so a hung server would otherwise hang the request.
 */
export function callbackWithDeadline<A extends unknown[]>(ms: number, callback: ((error: unknown, ...rest: A) => void) | undefined): (error: unknown, ...rest: A) => void {
  let settled = false;
  const timer = setTimeout(() => {
    if (settled) return;
    settled = true;
    (callback as ((error: unknown) => void) | undefined)?.(new StoreTimeoutError(ms));
  }, ms);
  return (error, ...rest) => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    callback?.(error, ...rest);
  };
}

/** The promise's outcome, or a StoreTimeoutError after `ms`. */
export function promiseWithDeadline<T>(promise: Promise<T>, ms: number = STORE_DEADLINE_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new StoreTimeoutError(ms)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
