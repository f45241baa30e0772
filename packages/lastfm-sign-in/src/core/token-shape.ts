/**
 * Last.fm documents its auth tokens as 32-character hexadecimal MD5 hashes. Anything else in a
 * callback cannot be one, so it is refused before Last.fm is asked: a made-up token then costs
 * no call. Letters beyond hex are let through, so a change of alphabet on Last.fm's side would
 * not lock everyone out; the length is what rules out most junk.
 */
const TOKEN_SHAPE = /^[A-Za-z0-9]{32}$/;

/** Whether `token` has the shape of a Last.fm auth token (the sandbox's tokens have it too). */
export function isLastfmTokenShape(token: string): boolean {
  return TOKEN_SHAPE.test(token);
}
