import busboy from 'busboy';
import type { RequestHandler } from 'express';
import { HttpError } from '../errors';

/** A 1,000-line file of long names stays well under this. */
export const MAX_UPLOAD_BYTES = 512 * 1024;

/** What an uploaded batch file becomes in the body: its name and text. */
export interface UploadedFile {
  name: string;
  text: string;
}

const tooBig = () => new HttpError(413, 'That file is too large', `A batch file may be at most ${MAX_UPLOAD_BYTES / 1024} KB (1,000 lines).`, { action: { href: '/', label: 'Back to the start page' } });

const cutOff = () => new HttpError(400, 'That form could not be read', 'The upload was cut off or not a well-formed form.');

/**
 * The batch form sent as multipart/form-data (with a `.txt` or `.csv` file): its fields become
 * the body, as a plain form's do, and the file `file` becomes `{ name, text }`. Anything else
 * passes through untouched.
 */
export function createBatchUpload(): RequestHandler {
  return (req, _res, next) => {
    if (req.method !== 'POST' || !req.is('multipart/form-data')) {
      next();
      return;
    }
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { fileSize: MAX_UPLOAD_BYTES, files: 1, fields: 20, fieldSize: MAX_UPLOAD_BYTES, parts: 25 } });
    } catch {
      next(new HttpError(400, 'That form could not be read', 'The upload was not a well-formed form.'));
      return;
    }
    const body: Record<string, unknown> = {};
    let failed: HttpError | undefined;
    // busboy may report an error and then close: answer once.
    let answered = false;
    const answer = (error?: HttpError): void => {
      if (answered) return;
      answered = true;
      next(error);
    };
    parser.on('field', (name, value) => {
      if (!Object.hasOwn(body, name)) body[name] = value;
    });
    parser.on('file', (name, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('limit', () => (failed = tooBig()));
      // A cut-off upload fails the file's stream too; unheard, that error would end the process.
      stream.on('error', () => answer(cutOff()));
      stream.on('end', () => {
        // An empty file input still sends a part, with no name: the textarea is used then.
        if (name === 'file' && (info.filename ?? '') !== '') body.file = { name: info.filename ?? '', text: Buffer.concat(chunks).toString('utf8') } satisfies UploadedFile;
      });
    });
    parser.on('partsLimit', () => (failed = tooBig()));
    parser.on('error', () => answer(cutOff()));
    parser.on('close', () => {
      if (failed !== undefined) {
        answer(failed);
        return;
      }
      req.body = body;
      answer();
    });
    req.pipe(parser);
  };
}
