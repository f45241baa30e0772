import { PassThrough } from 'node:stream';
import busboy from 'busboy';
import type { Request, RequestHandler } from 'express';
import { HttpError } from '../errors';

/** A year of Spotify history is a few tens of MB; a file beyond this is refused as it arrives. */
export const MAX_IMPORT_BYTES = 64 * 1024 * 1024;
/** Long enough for 64 MB on a slow line; a sender slower than that only holds a connection. */
export const IMPORT_DEADLINE_MS = 120_000;
/** The pasted history, as the form's textarea sends it. */
const MAX_FIELD_BYTES = 1024 * 1024;
const FORM_FIELDS = new Set(['_csrf', 'timeZone', 'text']);

/** An import sent as multipart/form-data: its fields, and its file as a stream still arriving. */
export interface ImportUpload {
  fields: Record<string, string>;
  file: { name: string; stream: AsyncIterable<Buffer> } | undefined;
}

const uploads = new WeakMap<Request, ImportUpload>();

/** The request's import upload, when it came as multipart/form-data. */
export function importUploadOf(req: Request): ImportUpload | undefined {
  return uploads.get(req);
}

const back = { action: { href: '/#import-form', label: 'Back to the import form' } };
const tooBig = () => new HttpError(413, 'That file is too large', `An import file may be at most ${MAX_IMPORT_BYTES / 1024 / 1024} MB. Split a longer history into several files.`, back);
const unreadable = (why: string) => new HttpError(400, 'That form could not be read', why, back);
const tooSlow = (ms: number) => new HttpError(408, 'The upload took too long', `The file did not arrive within ${ms / 1000} seconds, so it was not read. Nothing was queued.`, back);
const expired = () =>
  new HttpError(403, 'This form has expired', 'The page you sent this from is out of date or did not come from this site. Reload the page and try again.', { action: { href: '/', label: 'Back to the start page' } });

/**
 * The import form as multipart/form-data. The form token is checked before anything else is read
 * (the `X-CSRF-Token` header, or the form's first field, `_csrf`); only the form's own fields are
 * taken; the file is handed on as a stream while it arrives, so a large history is read without
 * being held whole, and refused as soon as it passes the size limit or the deadline.
 */
export function createImportUpload({ csrfMatches, deadlineMs = IMPORT_DEADLINE_MS }: { csrfMatches: (req: Request, given: string | undefined) => boolean; deadlineMs?: number }): RequestHandler {
  return (req, res, next) => {
    if (req.method !== 'POST' || !req.is('multipart/form-data')) {
      next();
      return;
    }
    const headerToken = req.get('x-csrf-token');
    if (headerToken !== undefined && !csrfMatches(req, headerToken)) {
      next(expired());
      return;
    }
    if (Number(req.get('content-length') ?? 0) > MAX_IMPORT_BYTES + 2 * MAX_FIELD_BYTES) {
      next(tooBig());
      return;
    }
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { files: 1, fields: FORM_FIELDS.size, fieldSize: MAX_FIELD_BYTES, fileSize: MAX_IMPORT_BYTES, parts: FORM_FIELDS.size + 2 } });
    } catch {
      next(unreadable('The upload was not a well-formed form.'));
      return;
    }
    const fields: Record<string, string> = {};
    let tokenSeen = headerToken !== undefined;
    let handedOn = false;
    let file: PassThrough | undefined;
    const timer = setTimeout(() => stop(tooSlow(deadlineMs)), deadlineMs);
    // Answered before the file was read to its end (a refused time zone, a file of no known format):
    // what is left of the upload is let go quietly, and the deadline can no longer fire into a
    // stream nobody reads, where its error would have nowhere to go.
    res.on('close', () => {
      clearTimeout(timer);
      if (file !== undefined && !file.readableEnded) file.destroy();
      req.unpipe(parser);
      req.resume();
    });
    /** Hands the request on once: with the fields, and the file while it arrives. */
    const handOn = (upload: ImportUpload): void => {
      if (handedOn) return;
      handedOn = true;
      uploads.set(req, upload);
      req.body = { ...fields };
      next();
    };
    /** Ends the upload with `error`: before the hand-on as the answer, after it inside the file's stream. */
    const stop = (error: HttpError): void => {
      clearTimeout(timer);
      req.unpipe(parser);
      req.resume();
      if (file !== undefined) file.destroy(error);
      else if (!handedOn) {
        handedOn = true;
        next(error);
      }
    };
    const tokenFirst = (name: string, value?: string): boolean => {
      if (tokenSeen) return true;
      tokenSeen = true;
      if (name === '_csrf' && csrfMatches(req, value)) return true;
      stop(expired());
      return false;
    };
    parser.on('field', (name, value, info) => {
      if (!tokenFirst(name, value)) return;
      // The request went on with its fields when the file began: a field after it would be lost unsaid.
      if (file !== undefined) stop(unreadable(`The field "${name.slice(0, 40)}" came after the file; send the file last, as the import form does.`));
      else if (!FORM_FIELDS.has(name)) stop(unreadable(`This form has no field named "${name.slice(0, 40)}".`));
      else if (info.valueTruncated) stop(unreadable(`The pasted history is longer than ${MAX_FIELD_BYTES / 1024} KB; send it as a file.`));
      else if (!Object.hasOwn(fields, name)) fields[name] = value;
    });
    parser.on('file', (name, stream, info) => {
      // A body that ends inside a file part fails busboy's stream for it, read or not; unheard, that
      // error would end the process. The upload's own end is told by the parser's 'error'.
      stream.on('error', () => undefined);
      if (!tokenFirst(name) || name !== 'file' || file !== undefined) {
        stream.resume();
        if (name !== 'file') stop(unreadable(`This form has no file named "${name.slice(0, 40)}".`));
        return;
      }
      // An empty file input still sends a part, with no name: the pasted text is used then.
      if ((info.filename ?? '') === '') {
        stream.resume();
        return;
      }
      const passing = new PassThrough();
      // The route may not be reading yet (it awaits the outbox first) when the upload is stopped: the
      // error stays on the stream for the reader, and must not end the process meanwhile.
      passing.on('error', () => undefined);
      file = passing;
      stream.on('limit', () => stop(tooBig()));
      stream.on('error', () => stop(unreadable('The upload was cut off or not a well-formed form.')));
      stream.pipe(passing);
      handOn({ fields, file: { name: info.filename ?? '', stream: passing } });
    });
    // busboy tells partsLimit as the count reaches it (files and fields only past it): parts is one above the form's.
    parser.on('partsLimit', () => stop(unreadable('This form has more parts than the import form.')));
    parser.on('error', () => stop(unreadable('The upload was cut off or not a well-formed form.')));
    parser.on('close', () => {
      clearTimeout(timer);
      handOn({ fields, file: undefined });
    });
    req.on('aborted', () => stop(unreadable('The upload was cut off.')));
    req.pipe(parser);
  };
}
