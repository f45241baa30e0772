import { MAX_AUTHORIZATIONS, MAX_SESSION_KEYS, SandboxState } from '../src/testing/sandbox/state';

describe('SandboxState memory bounds', () => {
  it('keeps at most MAX_AUTHORIZATIONS open authorize pages, dropping the oldest first', () => {
    const state = new SandboxState();
    const first = state.openAuthorization({ callback: 'http://127.0.0.1/cb', token: undefined });
    for (let i = 0; i < MAX_AUTHORIZATIONS + 10; i += 1) state.openAuthorization({ callback: 'http://127.0.0.1/cb', token: undefined });
    const last = state.openAuthorization({ callback: 'http://127.0.0.1/cb', token: undefined });
    expect(state.authorizations.size).toBe(MAX_AUTHORIZATIONS);
    expect(state.takeAuthorization(first)).toBeUndefined();
    expect(state.takeAuthorization(last)?.callback).toBe('http://127.0.0.1/cb');
  });

  it('keeps at most MAX_SESSION_KEYS session keys, dropping the oldest first', () => {
    const state = new SandboxState();
    const first = state.issueSessionKey('sandbox-ada');
    for (let i = 0; i < MAX_SESSION_KEYS + 10; i += 1) state.issueSessionKey('sandbox-bo');
    const last = state.issueSessionKey('sandbox-ada');
    expect(state.sessionKeys.size).toBe(MAX_SESSION_KEYS);
    expect(() => state.userOfSessionKey(first)).toThrow(/Invalid session key/);
    expect(state.userOfSessionKey(last)).toBe('sandbox-ada');
  });
});
