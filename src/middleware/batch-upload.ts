import busboy from 'busboy';
import type { Request, RequestHandler } from 'express';
import { HttpError } from '../errors';
import { expiredForm } from '../failure-pages';
import type { CsrfCheck } from './csrf';

/** A 1,000-line file of long names stays well under this. */
export const MAX_UPLOAD_BYTES = 512 * 1024;

/** The whole request: the file, the textarea (each at most MAX_UPLOAD_BYTES) and the form's framing. */
export const MAX_UPLOAD_REQUEST_BYTES = 2 * MAX_UPLOAD_BYTES + 16 * 1024;

/** Long enough for a 1 MB form on a slow phone line; a sender slower than that only holds memory. */
export const UPLOAD_DEADLINE_MS = 30_000;

/** The batch form's fields and its one file; anything else is not this form. */
const FORM_FIELDS = new Set(['_csrf', 'lines']);
const FILE_FIELD = 'file';

/** What an uploaded batch file becomes in the body: its name and text. */
export interface UploadedFile {
  name: string;
  text: string;
}

const tooBig = () => new HttpError(413, 'That file is too large', `A batch file may be at most ${MAX_UPLOAD_BYTES / 1024} KB (1,000 lines).`, { action: { href: '/', label: 'Back to the start page' } });

const unreadable = (why: string) => new HttpError(400, 'That form could not be read', why, { action: { href: '/', label: 'Back to the start page' } });

const cutOff = () => unreadable('The upload was cut off or not a well-formed form.');

const tooSlow = (ms: number) =>
  new HttpError(408, 'The upload took too long', `The form did not arrive within ${ms / 1000} seconds, so it was not read. Nothing was queued; try again, or paste the lines instead of sending a file.`, {
    action: { href: '/', label: 'Back to the start page' },
  });

/**
 * The batch form sent as multipart/form-data (with a `.txt` or `.csv` file): its fields become
 * the body, as a plain form's do, and the file `file` becomes `{ name, text }`. Anything else
 * passes through untouched.
 *
 * Mounted after the sign-in check, and it checks the form token itself before it reads any part
 * of the body: from the `X-CSRF-Token` header, or else the form's first field, `_csrf` (the form
 * puts it first). Only the form's own fields are taken, the request as a whole is capped, and it
 * must arrive within `deadlineMs`; a refused upload is not read further and its connection closes.
 */
export function createBatchUpload({ csrfMatches, deadlineMs = UPLOAD_DEADLINE_MS }: { csrfMatches: CsrfCheck['matches']; deadlineMs?: number }): RequestHandler {
  return (req, res, next) => {
    if (req.method !== 'POST' || !req.is('multipart/form-data')) {
      next();
      return;
    }
    const headerToken = req.get('x-csrf-token');
    if (headerToken !== undefined && !csrfMatches(req, headerToken)) {
      refuse(req, res, next, expiredForm());
      return;
    }
    if (Number(req.get('content-length') ?? 0) > MAX_UPLOAD_REQUEST_BYTES) {
      refuse(req, res, next, tooBig());
      return;
    }
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { fileSize: MAX_UPLOAD_BYTES, files: 1, fields: FORM_FIELDS.size, fieldSize: MAX_UPLOAD_BYTES, parts: FORM_FIELDS.size + 2 } });
    } catch {
      refuse(req, res, next, unreadable('The upload was not a well-formed form.'));
      return;
    }
    const body: Record<string, unknown> = {};
    let tokenSeen = headerToken !== undefined;
    let failed: HttpError | undefined;
    // busboy may report an error and then close: answer once.
    let answered = false;
    const answer = (error?: HttpError): void => {
      if (answered) return;
      answered = true;
      clearTimeout(timer);
      req.off('data', count);
      if (error === undefined) {
        next();
        return;
      }
      req.unpipe(parser);
      refuse(req, res, next, error);
    };
    const timer = setTimeout(() => answer(tooSlow(deadlineMs)), deadlineMs);
    let received = 0;
    const count = (chunk: Buffer): void => {
      received += chunk.length;
      if (received > MAX_UPLOAD_REQUEST_BYTES) answer(tooBig());
    };
    /** The first part carries the token, unless the header did. */
    const tokenFirst = (name: string, value?: string): boolean => {
      if (tokenSeen) return true;
      tokenSeen = true;
      if (name === '_csrf' && csrfMatches(req, value)) return true;
      answer(expiredForm());
      return false;
    };
    parser.on('field', (name, value, info) => {
      if (!tokenFirst(name, value)) return;
      if (!FORM_FIELDS.has(name)) {
        answer(unreadable(`This form has no field named "${name.slice(0, 40)}".`));
        return;
      }
      if (info.valueTruncated) failed = name === 'lines' ? unreadable(`The lines are longer than ${MAX_UPLOAD_BYTES / 1024} KB; send them as a file of at most 1,000 lines.`) : tooBig();
      else if (!Object.hasOwn(body, name)) body[name] = value;
    });
    parser.on('file', (name, stream, info) => {
      // An unread file stream would stall the form; a refused one is drained, never kept.
      if (!tokenFirst(name) || name !== FILE_FIELD) {
        stream.resume();
        if (name !== FILE_FIELD) answer(unreadable(`This form has no file named "${name.slice(0, 40)}".`));
        return;
      }
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('limit', () => {
        chunks.length = 0;
        failed = tooBig();
      });
      // A cut-off upload fails the file's stream too; unheard, that error would end the process.
      stream.on('error', () => answer(cutOff()));
      stream.on('end', () => {
        // An empty file input still sends a part, with no name: the textarea is used then.
        if (failed === undefined && (info.filename ?? '') !== '') body.file = { name: info.filename ?? '', text: Buffer.concat(chunks).toString('utf8') } satisfies UploadedFile;
      });
    });
    // busboy tells partsLimit as the count reaches it (files and fields only past it): parts is one above the form's.
    for (const limit of ['partsLimit', 'filesLimit', 'fieldsLimit'] as const) parser.on(limit, () => answer(unreadable('The form has more parts than it should: one file, the lines and the form token.')));
    parser.on('error', () => answer(cutOff()));
    parser.on('close', () => {
      if (failed !== undefined) {
        answer(failed);
        return;
      }
      if (!tokenSeen) {
        answer(expiredForm());
        return;
      }
      req.body = body;
      answer();
    });
    req.on('data', count);
    req.pipe(parser);
  };
}

/**
 * Answers without reading the rest: what has arrived is dropped as it comes, and the connection
 * closes once the answer is sent, so a refused sender holds neither memory nor a socket.
 */
function refuse(req: Request, res: Parameters<RequestHandler>[1], next: Parameters<RequestHandler>[2], error: HttpError): void {
  res.set('Connection', 'close');
  req.resume();
  next(error);
}
