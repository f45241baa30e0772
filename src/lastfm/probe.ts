import { integer, isObject, text } from './parse';
import type { Signer } from './signature';

/**
 * - answered: a token came back, so the key and the shared secret are accepted.
 * - key-refused / signature-refused: Last.fm answered, and named LASTFM_API_KEY or the secret.
 * - lastfm-error: Last.fm answered with another error, so the setup could not be checked.
 * - unreachable: no answer, no answer in time, or an answer that is not Last.fm's.
 */
export type ProbeOutcome = 'answered' | 'key-refused' | 'signature-refused' | 'lastfm-error' | 'unreachable';

export interface ProbeResult {
  outcome: ProbeOutcome;
  /** One sentence for the operator; names the endpoint, never the key or secret. */
  message: string;
}

export interface ProbeOptions {
  apiUrl: string;
  apiKey: string;
  signer: Signer;
  timeoutMs: number;
  userAgent: string;
}

/**
 * One signed `auth.getToken`, without retries: the cheapest call that proves the web service
 * answers and accepts both the API key and the shared secret. The token it returns is unused and
 * expires on its own.
 */
export async function probeLastfm(options: ProbeOptions): Promise<ProbeResult> {
  const where = options.apiUrl;
  const query = new URLSearchParams({ ...options.signer.sign({ method: 'auth.getToken', api_key: options.apiKey }), format: 'json' });
  let status: number;
  let body: unknown;
  try {
    const response = await fetch(`${options.apiUrl}?${query.toString()}`, {
      headers: { 'User-Agent': options.userAgent, Accept: 'application/json' },
      signal: AbortSignal.timeout(options.timeoutMs),
      redirect: 'error',
    });
    status = response.status;
    const raw = await response.text();
    try {
      body = JSON.parse(raw) as unknown;
    } catch {
      return { outcome: 'unreachable', message: `${where} answered HTTP ${status} with something other than Last.fm's JSON.` };
    }
  } catch (error) {
    const timedOut = nameOf(error) === 'TimeoutError';
    return { outcome: 'unreachable', message: timedOut ? `${where} did not answer within ${options.timeoutMs} ms.` : `${where} could not be reached (${networkReason(error)}).` };
  }

  if (isObject(body) && text(body.token) !== undefined) {
    return { outcome: 'answered', message: `${where} answered auth.getToken: the API key and the shared secret are accepted.` };
  }
  const code = isObject(body) ? integer(body.error) : undefined;
  if (code === undefined) return { outcome: 'unreachable', message: `${where} answered HTTP ${status} with JSON that is not a Last.fm answer.` };
  const said = isObject(body) ? (text(body.message) ?? '') : '';
  const quoted = said === '' ? `error ${code}` : `error ${code}, "${said.slice(0, 200)}"`;
  if (code === 10 || code === 26) return { outcome: 'key-refused', message: `${where} refused the API key (${quoted}): check LASTFM_API_KEY.` };
  if (code === 13) return { outcome: 'signature-refused', message: `${where} refused the signature (${quoted}): LASTFM_SHARED_SECRET is not the one that came with LASTFM_API_KEY.` };
  return { outcome: 'lastfm-error', message: `${where} answered with ${quoted}, so the key and secret could not be checked; try again shortly.` };
}

// Duck-typed: fetch's errors (a DOMException on timeout, the system error under `cause`) need
// not come from this realm's Error.
function nameOf(error: unknown): string | undefined {
  const name = typeof error === 'object' && error !== null ? (error as { name?: unknown }).name : undefined;
  return typeof name === 'string' ? name : undefined;
}

/** fetch hides the system error under `cause`; its code (ECONNREFUSED, ENOTFOUND…) is what helps. */
function networkReason(error: unknown): string {
  const cause = typeof error === 'object' && error !== null ? (error as { cause?: unknown }).cause : undefined;
  const code = typeof cause === 'object' && cause !== null ? (cause as { code?: unknown }).code : undefined;
  if (typeof code === 'string') return code;
  return error instanceof Error ? error.message : String(error);
}
