import { LastfmError } from '../src';

describe('LastfmError', () => {
  it.each([
    [8, true],
    [11, true],
    [16, true],
    [29, true],
    [6, false],
    [9, false],
    [13, false],
  ])('says whether a retry may help: error %i → %s', (code, retryable) => {
    expect(new LastfmError(code, 'message', 'track.love', 200).retryable).toBe(retryable);
  });

  it('calls the key revoked on 9, and on 4 from a call that carried a session key', () => {
    expect(new LastfmError(9, 'Invalid session key', 'user.getRecentTracks', 403).revoked).toBe(true);
    expect(new LastfmError(4, 'Authentication Failed', 'track.love', 403).revoked).toBe(true);
  });

  it('does not call a refused password or token a revoked key: auth.* calls carry none', () => {
    expect(new LastfmError(4, 'Authentication Failed', 'auth.getMobileSession', 403).revoked).toBe(false);
    expect(new LastfmError(4, 'Invalid authentication token', 'auth.getSession', 403).revoked).toBe(false);
    expect(new LastfmError(15, 'This token has expired', 'auth.getSession', 403).revoked).toBe(false);
  });

  it('keeps Last.fm\'s own words apart from the method and code', () => {
    const error = new LastfmError(6, 'Track not found', 'track.love', 200);
    expect(error.message).toBe('Last.fm track.love failed with error 6: Track not found');
    expect(error).toMatchObject({ code: 6, method: 'track.love', lastfmMessage: 'Track not found', httpStatus: 200 });
  });
});
