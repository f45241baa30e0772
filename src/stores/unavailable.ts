import { HttpError } from '../errors';

/** What a person sees when the session store cannot answer: temporary, so a 503, never a 500. */
export function sessionsUnavailable(cause: unknown): HttpError {
  if (cause instanceof HttpError) return cause;
  return new HttpError(503, 'Sessions are unavailable', 'Sessions are unavailable right now, so this page cannot be shown. Try again shortly.', {
    action: { href: '/', label: 'Try again' },
    cause,
  });
}
