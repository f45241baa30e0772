import type { Request } from 'express';

/** A one-time message for the next page, and what the person typed when their input was refused. */
export interface Flash {
  /** `queued`: kept here for Last.fm, which is not answering: neither done nor failed. */
  kind: 'success' | 'queued' | 'warning' | 'error';
  message: string;
  details: string[];
  /** The form the refused input came from, and its fields, so the page can show them again. */
  form?: string;
  /** The refused field, when the refusal names one. */
  field?: string | undefined;
  values?: Record<string, string>;
}

declare module 'express-session' {
  interface SessionData {
    flash: Flash;
  }
}

export function setFlash(req: Request, flash: Flash): void {
  req.session.flash = flash;
}

/** Read once: the message shows on the next page only. */
export function takeFlash(req: Request): Flash | undefined {
  const flash = req.session.flash;
  if (flash !== undefined) delete req.session.flash;
  return flash;
}
