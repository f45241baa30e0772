import { LastfmError, LastfmUnavailableError } from './errors';

/** What a finished call looked like: no parameters, so nothing secret. */
export interface LastfmCallEvent {
  method: string;
  durationMs: number;
  outcome: 'ok' | 'lastfm-error' | 'unavailable';
  /** Last.fm's error number, for `lastfm-error`. */
  code?: number;
  /** Why no usable answer came, for `unavailable`. */
  reason?: string;
  httpStatus?: number;
}

/** Told about every web service call once it ends, with the id of the request that made it; never given the parameters. */
export type CallListener = (event: LastfmCallEvent, requestId: string | undefined) => void;

/** Runs one call, timed, and tells `onCall` how it ended. */
export async function reported<T>(method: string, requestId: string | undefined, onCall: CallListener | undefined, call: () => Promise<T>): Promise<T> {
  if (onCall === undefined) return call();
  const started = performance.now();
  const report = (event: Omit<LastfmCallEvent, 'method' | 'durationMs'>) => {
    onCall({ method, durationMs: Math.round(performance.now() - started), ...event }, requestId);
  };
  try {
    const result = await call();
    report({ outcome: 'ok' });
    return result;
  } catch (error) {
    if (error instanceof LastfmError) report({ outcome: 'lastfm-error', code: error.code, httpStatus: error.httpStatus });
    else if (error instanceof LastfmUnavailableError) report({ outcome: 'unavailable', reason: error.reason, ...(error.httpStatus === undefined ? {} : { httpStatus: error.httpStatus }) });
    throw error;
  }
}
