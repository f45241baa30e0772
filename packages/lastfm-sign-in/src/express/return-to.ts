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
