import { InputError } from '../errors';
import { hasBrokenCharacter } from '../well-formed';

/**
 * One string from a query or form field. Repeated fields (`a=1&a=2`, `a[]=`) and oversized or
 * control-character values are refused with a 400 that names the field.
 */
export function optionalString(value: unknown, field: string, maxLength = 256): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw badInput(field, 'must be given once, as text');
  if (value.length > maxLength) throw badInput(field, `is too long (at most ${maxLength} characters)`);
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused here
  if (/[\u0000-\u001f\u007f]/.test(value)) throw badInput(field, 'contains control characters');
  if (hasBrokenCharacter(value)) throw badInput(field, BROKEN_CHARACTER);
  return value;
}

export const BROKEN_CHARACTER = 'contains a broken character (text that is not valid Unicode); type or paste it again';

/** What each field is called on the forms, so a refusal speaks the form's words, not the code's. */
const LABELS: Readonly<Record<string, string>> = {
  artist: 'Artist',
  track: 'Track',
  album: 'Album',
  duration: 'Length in seconds',
  playedAt: 'When played',
  timestamp: 'The time played',
  lines: 'The list of tracks',
  file: 'The file',
  tags: 'Tags',
  tag: 'Tag',
  type: 'What to tag',
  username: 'User name',
  password: 'Password',
  text: 'The pasted history',
  timeZone: 'Time zone',
};

export function badInput(field: string, problem: string): InputError {
  return new InputError(field, `${LABELS[field] ?? `The field "${field}"`} ${problem}.`);
}
