/** What each Last.fm error code means for the app (see shared/lastfm-protocol.md, "Errors"). */
export type LastfmErrorKind =
  | 'bug' // 2, 3, 5, 7, 13, 27: our request was wrong
  | 'auth-failed' // 4
  | 'invalid-parameter' // 6
  | 'operation-failed' // 8
  | 'session-invalid' // 9
  | 'api-key' // 10, 26: the operator's key
  | 'temporary' // 11, 16
  | 'token-unauthorized' // 14
  | 'token-expired' // 15
  | 'login-required' // 17
  | 'rate-limited' // 29
  | 'unknown';

const KINDS: Readonly<Record<number, LastfmErrorKind>> = {
  2: 'bug',
  3: 'bug',
  4: 'auth-failed',
  5: 'bug',
  6: 'invalid-parameter',
  7: 'bug',
  8: 'operation-failed',
  9: 'session-invalid',
  10: 'api-key',
  11: 'temporary',
  13: 'bug',
  14: 'token-unauthorized',
  15: 'token-expired',
  16: 'temporary',
  17: 'login-required',
  26: 'api-key',
  27: 'bug',
  29: 'rate-limited',
};

export function kindOfCode(code: number): LastfmErrorKind {
  return KINDS[code] ?? 'unknown';
}
