import { HttpError } from '../errors';

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
  return value;
}

export function badInput(field: string, problem: string): HttpError {
  return new HttpError(400, 'Something in the request was wrong', `The field "${field}" ${problem}.`, {
    action: { href: '/', label: 'Back to the start page' },
  });
}

/**
 * A path on this site to go back to after sign-in. Anything that could leave the site
 * (`//evil`, `/\evil`, `https://…`, encoded tricks) falls back to `/`.
 */
export function safeReturnTo(value: unknown): string {
  if (typeof value !== 'string' || value.length > 512) return '/';
  // eslint-disable-next-line no-control-regex -- control characters never belong in a path
  if (!value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\') || /[\u0000-\u001f\u007f\\]/.test(value)) return '/';
  const origin = 'http://return-to.invalid';
  let url: URL;
  try {
    url = new URL(value, origin);
  } catch {
    return '/';
  }
  if (url.origin !== origin) return '/';
  // Normalising can turn a harmless-looking `/.//evil` or `/a/..//evil` into `//evil`, so the
  // result is checked too, not only the input.
  const result = `${url.pathname}${url.search}`;
  if (result.startsWith('//') || result.startsWith('/\\')) return '/';
  return result;
}
