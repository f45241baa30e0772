import { SignInError } from './errors';

/**
 * One text field from a query or form. A repeated field (`a=1&a=2`, or `a[x]=` under Express 4's
 * extended parser), an oversized value or control characters are refused, naming the field as the
 * request names it (and in the error's `field`, for a host that marks it on its form).
 */
export function oneString(value: unknown, field: string, maxLength: number): string | undefined {
  if (value === undefined) return undefined;
  const refuse = (problem: string): SignInError => new SignInError('bad-input', { message: `The field "${field}" ${problem}.`, field });
  if (typeof value !== 'string') throw refuse('must be given once, as text');
  if (value.length > maxLength) throw refuse(`is too long (at most ${maxLength} characters)`);
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused here
  if (/[\u0000-\u001f\u007f]/.test(value)) throw refuse('contains control characters');
  return value;
}
