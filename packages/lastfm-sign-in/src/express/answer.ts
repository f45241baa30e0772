import type { NextFunction, Request, Response } from 'express';
import { SignInError } from './errors';

/** `page`: the library answers failures itself (a plain page, or JSON); `next`: it hands them to the host's error handler. */
export type FailureMode = 'page' | 'next';

/** A script asking for JSON rather than a page; a client that accepts anything gets the page. */
export function wantsJson(req: Request): boolean {
  return req.accepts(['html', 'json']) === 'json';
}

/** A link offered under a failure, e.g. "Start again". */
export interface NextStep {
  href: string;
  label: string;
}

/**
 * Where a failure leaves the library. A SignInError is answered in its own words (or handed on,
 * in `next` mode); anything else is a bug or the host's own error and always goes to `next`.
 */
export function answerFailure(error: unknown, req: Request, res: Response, next: NextFunction, mode: FailureMode, step: NextStep): void {
  if (!(error instanceof SignInError) || mode === 'next' || res.headersSent) {
    next(error);
    return;
  }
  res.status(error.status);
  res.set('Cache-Control', 'no-store');
  if (error.retryAfterSeconds !== undefined) res.set('Retry-After', String(error.retryAfterSeconds));
  if (wantsJson(req)) {
    res.json({ error: error.code, title: error.title, message: error.message });
    return;
  }
  res.type('html').send(page(error.title, error.message, step));
}

function page(title: string, message: string, step: NextStep): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title></head>
<body>
<main>
<h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(message)}</p>
<p><a href="${escapeHtml(step.href)}">${escapeHtml(step.label)}</a></p>
</main>
</body>
</html>
`;
}

const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ENTITIES[char] ?? char);
}
