import { MemoryBudget, type CallPriority } from './budget';
import { LastfmError, LastfmUnavailableError } from './errors';
import { reported, type CallListener } from './call-events';
import { systemClock } from './clock';
import { createAxiosTransport, HttpTransportError, type HttpTransport, type RawAnswer } from './http';
import { interpretResponse } from './interpret';
import type { JsonObject } from './parse';
import { CallScheduler } from './scheduler';
import { cleanParams, type Params, type Signer } from './signature';

export interface TransportOptions {
  apiKey: string;
  apiUrl: string;
  signer: Signer;
  /** Sent as User-Agent by the default transport (Last.fm asks clients to name themselves). */
  userAgent: string;
  /** Sends each request; axios by default. */
  http?: HttpTransport;
  /** The longest one call may take, from sending to the last byte of the answer. */
  timeoutMs: number;
  /** Told about every web service call once it ends (for logs), with the id of the request that made it. */
  onCall?: CallListener;
  /**
   * Decides when each call may go, over the call budget every instance shares. Without one, the
   * transport keeps a budget of its own of `rateLimitPerSecond` (default 5) calls per second.
   */
  scheduler?: CallScheduler;
  rateLimitPerSecond?: number;
  /** How long to send nothing after Last.fm answers error 29 (default 30 s). */
  rateLimitBackOffMs?: number;
}

export interface SendOptions {
  httpMethod: 'GET' | 'POST';
  /** Overrides the priority the method and parameters imply (the outbox's background deliveries). */
  priority?: CallPriority;
  /** Runs once a slot is granted, just before sending; a throw abandons the call unsent. */
  beforeSend?: () => Promise<void>;
  /** A shorter limit than the transport's for this one call (the /setup check). */
  timeoutMs?: number;
}

const DEFAULT_RATE_LIMIT_BACK_OFF_MS = 30_000;

/**
 * Carries calls to Last.fm's web service: signs every call (Last.fm accepts a signature on reads
 * too), waits for a slot from the scheduler, sends within a whole-call time limit, reads the answer
 * and pauses every instance after error 29. Anything carrying a session key or password goes in a
 * POST body so it never appears in a URL (and so in no proxy or server log).
 */
export class LastfmTransport {
  readonly apiKey: string;
  readonly apiUrl: string;
  private readonly http: HttpTransport;
  private readonly scheduler: CallScheduler;
  /** Set only on the views `forRequest` makes. */
  private requestId: string | undefined;
  private caller: string | undefined;

  constructor(private readonly options: TransportOptions) {
    this.apiKey = options.apiKey;
    this.apiUrl = options.apiUrl;
    this.scheduler =
      options.scheduler ??
      new CallScheduler({ budget: new MemoryBudget({ perSecond: options.rateLimitPerSecond ?? 5, leaseMs: options.timeoutMs + 1000 }, Date.now), clock: systemClock });
    this.http = options.http ?? createAxiosTransport({ userAgent: options.userAgent, timeoutMs: options.timeoutMs });
  }

  /**
   * This transport for one incoming request: its calls reach `onCall` with that request's id, and
   * the scheduler counts them against `caller` (the browser session, or the address when signed
   * out), so no one caller can fill the queue. It is a view on this object (its prototype), so
   * connections, scheduler and back-off stay shared. The id is passed this way rather than through
   * AsyncLocalStorage, whose promise hooks on Node 20 cost every promise in the process: about a
   * tenth of a page view's CPU.
   */
  forRequest(requestId: string | undefined, caller?: string): LastfmTransport {
    const scoped = Object.create(this) as LastfmTransport;
    scoped.requestId = requestId;
    scoped.caller = caller;
    return scoped;
  }

  /** One call, reported to `onCall`: Last.fm's answer as JSON, or LastfmError / LastfmUnavailableError. */
  call(method: string, params: Params, options: SendOptions): Promise<JsonObject> {
    return reported(method, this.requestId, this.options.onCall, async () => {
      const { status, data } = await this.exchange(method, params, options);
      try {
        return interpretResponse(method, status, data);
      } catch (error) {
        if (error instanceof LastfmError && error.code === 29 && !error.personalLimit) await this.scheduler.backOff(this.options.rateLimitBackOffMs ?? DEFAULT_RATE_LIMIT_BACK_OFF_MS).catch(() => undefined);
        throw error;
      }
    });
  }

  /** Signs, waits for a slot and sends; the answer is returned unread, whatever its status. */
  async exchange(method: string, params: Params, options: SendOptions): Promise<RawAnswer> {
    const all = { ...this.options.signer.sign(cleanParams({ ...params, method, api_key: this.apiKey })), format: 'json' };
    const httpMethod = 'sk' in all || 'password' in all ? 'POST' : options.httpMethod;
    const encoded = new URLSearchParams(all).toString();

    // Every auth.* call is made for someone not signed in yet, whoever asks: they share a few slots.
    const who = method.startsWith('auth.') ? 'signed-out' : 'signed-in';
    const release = await this.scheduler.acquire({ method, priority: options.priority ?? priorityOf(method, all), caller: this.caller, who });
    try {
      await options.beforeSend?.();
    } catch (error) {
      release();
      throw error;
    }
    // An HTTP client's own timeout may only notice an idle socket; this bounds the whole call, so a
    // server that trickles bytes cannot hold it open. A timer cleared with the answer, not
    // AbortSignal.timeout: that costs about 30 times as much to make, and its timer outlives every
    // call by the whole limit (thousands pending at a few hundred calls a second).
    const limit = new AbortController();
    const timer = setTimeout(() => limit.abort(new DOMException('The call took longer than its time limit', 'TimeoutError')), options.timeoutMs ?? this.options.timeoutMs);
    // As AbortSignal.timeout's, it keeps no process alive by itself.
    timer.unref();
    const signal = limit.signal;
    try {
      // Told once the request's bytes are on the connection, not when it is handed to the client:
      // opening a connection (DNS, TCP, TLS) then no longer counts toward SEND_MARGIN_MS.
      const onSent = release.sending;
      return await (httpMethod === 'POST'
        ? this.http.send({ method: 'POST', url: this.apiUrl, body: encoded, headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=UTF-8' }, signal, onSent })
        : this.http.send({ method: 'GET', url: `${this.apiUrl}?${encoded}`, headers: {}, signal, onSent }));
    } catch (error) {
      const kind = error instanceof HttpTransportError ? error.kind : signalTimedOut(error) ? 'timeout' : 'network';
      throw new LastfmUnavailableError(kind, method, { detail: error instanceof HttpTransportError ? error.detail : 'request failed' });
    } finally {
      clearTimeout(timer);
      release();
    }
  }
}

/**
 * Sign-in exchanges first, then writes (they carry the session key), then reads. A desktop token
 * (auth.getToken) counts as a read: nobody is signed in by it yet, and anyone can ask for one,
 * so a flood of them must not go before other people's writes.
 */
function priorityOf(method: string, params: Params): CallPriority {
  if (method === 'auth.getSession' || method === 'auth.getMobileSession') return 'sign-in';
  return 'sk' in params ? 'write' : 'read';
}

/** A replaced transport that let the abort signal's TimeoutError through. */
function signalTimedOut(error: unknown): boolean {
  return error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
}
