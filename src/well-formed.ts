/** A UTF-16 surrogate without its partner: JSON's `\udc00` gives one, and no real text holds one. */
const LONE_SURROGATE = /\p{Surrogate}/u;

/**
 * Text that cannot be stored faithfully (Redis's JSON and UTF-8 both refuse or mangle it) nor sent
 * to Last.fm: forms, JSON bodies and imported files are all checked with this one test.
 */
export function hasBrokenCharacter(value: string): boolean {
  return LONE_SURROGATE.test(value);
}
