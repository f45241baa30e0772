import { LastfmError, LastfmUnavailableError } from './errors';
import { integer, isObject, text, type Json, type JsonObject } from './parse';

/** Reads Last.fm's body whatever the HTTP status; only a JSON error object counts as a protocol error. */
export function interpretResponse(method: string, status: number, data: unknown): JsonObject {
  let body: Json;
  try {
    body = typeof data === 'string' ? (JSON.parse(data) as Json) : (data as Json);
  } catch {
    throw new LastfmUnavailableError(status >= 500 ? 'http-status' : 'not-json', method, { httpStatus: status });
  }
  if (!isObject(body)) throw new LastfmUnavailableError('not-json', method, { httpStatus: status });
  const code = integer(body.error);
  if (code !== undefined) throw new LastfmError(code, text(body.message) ?? 'no message', method, status);
  if (status >= 500) throw new LastfmUnavailableError('http-status', method, { httpStatus: status });
  return body;
}
