import { interpretResponse } from '../src/core/interpret';
import { LastfmError, LastfmUnavailableError } from '../src/core/errors';

describe('interpretResponse', () => {
  it('returns the body of a successful answer', () => {
    expect(interpretResponse('m', 200, '{"token":"t"}')).toEqual({ token: 't' });
  });

  it.each([200, 400, 403, 404, 429])('reads an error body sent with HTTP %i as a LastfmError', (status) => {
    const call = () => interpretResponse('auth.getSession', status, '{"error":14,"message":"Unauthorized Token"}');
    expect(call).toThrow(LastfmError);
    try {
      call();
    } catch (error) {
      expect((error as LastfmError).code).toBe(14);
      expect((error as LastfmError).httpStatus).toBe(status);
    }
  });

  it('takes an error code sent as a string', () => {
    expect(() => interpretResponse('m', 200, '{"error":"9","message":"Invalid session key"}')).toThrow(expect.objectContaining({ code: 9 }) as Error);
  });

  it('treats an HTML 500 page as a temporary failure, not a protocol error', () => {
    expect(() => interpretResponse('m', 500, '<html><body>Internal error</body></html>')).toThrow(LastfmUnavailableError);
  });

  it('treats a 5xx with a JSON body but no error code as a temporary failure', () => {
    expect(() => interpretResponse('m', 503, '{"ok":true}')).toThrow(expect.objectContaining({ reason: 'http-status' }) as Error);
  });

  it('treats a non-JSON 200 and a JSON non-object as unusable', () => {
    expect(() => interpretResponse('m', 200, 'not json')).toThrow(expect.objectContaining({ reason: 'not-json' }) as Error);
    expect(() => interpretResponse('m', 200, '[1,2]')).toThrow(expect.objectContaining({ reason: 'not-json' }) as Error);
  });
});
