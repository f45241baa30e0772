import { SignInError } from './errors';

/**
 * One text field from a query or form. A repeated field (`a=1&a=2`, or `a[x]=` under Express 4's
 * extended parser), an oversized value or control characters are refused, naming the field.
 */
export function oneString(value: unknown, label: string, maxLength: number): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new SignInError('bad-input', { message: `${label} must be given once, as text.` });
  if (value.length > maxLength) throw new SignInError('bad-input', { message: `${label} is too long (at most ${maxLength} characters).` });
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused here
  if (/[\u0000-\u001f\u007f]/.test(value)) throw new SignInError('bad-input', { message: `${label} contains control characters.` });
  return value;
}
