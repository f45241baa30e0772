import type { RequestHandler } from 'express';
import { BROKEN_CHARACTER, badInput } from '../routes/input';
import { hasBrokenCharacter } from '../well-formed';

/** Deeper than any form or JSON body the app takes; a deeper one is refused by the routes anyway. */
const MAX_DEPTH = 4;

/**
 * Refuses a form, JSON or upload that carries text which is not well-formed Unicode, naming the
 * field, before any route reads it: one such scrobble once stopped every delivery on Redis.
 */
export const refuseMalformedText: RequestHandler = (req, _res, next) => {
  const field = malformedField(req.body as unknown, '', 0);
  next(field === undefined ? undefined : badInput(field, BROKEN_CHARACTER));
};

/** The name of the first field whose name or text is not well-formed, if any. */
export function malformedField(value: unknown, name: string, depth: number): string | undefined {
  if (typeof value === 'string') return hasBrokenCharacter(value) ? name : undefined;
  if (typeof value !== 'object' || value === null || depth > MAX_DEPTH) return undefined;
  for (const [key, inner] of Object.entries(value)) {
    if (hasBrokenCharacter(key)) return name === '' ? 'field name' : name;
    const found = malformedField(inner, name === '' ? key : name, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}
