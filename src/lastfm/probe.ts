import { integer, isObject, text, type LastfmTransport, type RawAnswer } from 'lastfm-sign-in';
import { LastfmUnavailableError } from '../errors';

/**
 * - answered: a token came back, so the key and the shared secret are accepted.
 * - key-refused / signature-refused: Last.fm answered, and named LASTFM_API_KEY or the secret.
 * - lastfm-error: Last.fm answered with another error, or this app could not ask it just now
 *   (its call budget had no room), so the setup could not be checked.
 * - unreachable: no answer, no answer in time, or an answer that is not Last.fm's.
 */
export type ProbeOutcome = 'answered' | 'key-refused' | 'signature-refused' | 'lastfm-error' | 'unreachable';

export interface ProbeResult {
  outcome: ProbeOutcome;
  /** One sentence for the operator; names the endpoint, never the key or secret. */
  message: string;
}

/**
 * One signed `auth.getToken`, without retries, through the shared call budget: the cheapest call
 * that proves the web service answers and accepts both the API key and the shared secret. The
 * token it returns is unused and expires on its own. The raw answer is read here rather than by
 * interpretResponse, because the operator is told what came back, not only that it was unusable.
 */
export async function probeLastfm(transport: Pick<LastfmTransport, 'apiUrl' | 'exchange'>, timeoutMs: number): Promise<ProbeResult> {
  const where = transport.apiUrl;
  let answer: RawAnswer;
  try {
    answer = await transport.exchange('auth.getToken', {}, { httpMethod: 'GET', timeoutMs });
  } catch (error) {
    if (!(error instanceof LastfmUnavailableError)) return { outcome: 'lastfm-error', message: `${where} was not asked: this app could not send the call just now; try again shortly.` };
    if (error.reason === 'timeout') return { outcome: 'unreachable', message: `${where} did not answer within ${timeoutMs} ms.` };
    return { outcome: 'unreachable', message: `${where} could not be reached (${error.detail ?? 'request failed'}).` };
  }
  return describeAnswer(where, answer);
}

function describeAnswer(where: string, { status, data }: RawAnswer): ProbeResult {
  let body: unknown;
  try {
    body = typeof data === 'string' ? (JSON.parse(data) as unknown) : data;
  } catch {
    return { outcome: 'unreachable', message: `${where} answered HTTP ${status} with something other than Last.fm's JSON.` };
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
