import { Router, type Request } from 'express';
import { HttpError } from '../errors';
import { importUploadOf } from '../middleware/import-upload';
import { zoneClock, type ZoneClock } from '../import/time-zone';
import { LEFT_OUT_WORDS } from '../import/play';
import type { ImportService, ImportPreview } from '../services/imports';
import { wantsJson } from '../wants-json';
import { callerOf } from './caller';
import { setFlash } from './flash';
import { hasBrokenCharacter } from '../well-formed';
import { BROKEN_CHARACTER, badInput, optionalString } from './input';
import { readForm, requireUser } from './signed-in';

/** Pasted text an import takes, as the large form's body limit allows. */
const MAX_PASTED_CHARS = 900_000;

/**
 * Imports of listening history, mounted at /track/import: POST reads a file (multipart, streamed
 * in by middleware/import-upload.ts) or pasted text and
 * answers with what will be sent and what is left out, queueing nothing; the person confirms with
 * POST /<importId>/confirm. GET /<importId> shows the summary again.
 */
export function createImportsRouter({ imports, basePath }: { imports: ImportService; basePath: string }): Router {
  const router = Router();

  router.post('/', async (req, res) => {
    const file = importUploadOf(req)?.file;
    const { source, zone } = readForm(req, 'import', (body) => ({ source: file === undefined ? once(readPasted(body.text)) : file.stream, zone: readZone(body.timeZone) }));
    const preview = await imports.preview(requireUser(req), source, { ...(file === undefined ? {} : { fileName: file.name }), ...(zone === undefined ? {} : { zone }), call: callOf(req) });
    if (wantsJson(req)) {
      res.status(201).json(previewJson(preview));
      return;
    }
    res.redirect(303, `${basePath}/track/import/${preview.importId}#summary`);
  });

  router.get('/:importId', async (req, res) => {
    const preview = await imports.find(requireUser(req), req.params.importId);
    if (preview === undefined) throw gone();
    if (wantsJson(req)) {
      res.json(previewJson(preview));
      return;
    }
    res.render('import', { title: 'Check your import', preview, reasonWords: LEFT_OUT_WORDS });
  });

  router.post('/:importId/confirm', async (req, res) => {
    const done = await imports.confirm(requireUser(req), req.params.importId);
    if (done === undefined) throw gone();
    if (wantsJson(req)) {
      res.status(202).json(done);
      return;
    }
    const message = done.queued === 0 ? 'Nothing from that import needed sending.' : `Queued ${done.queued.toLocaleString('en')} plays from your import, with the times they were played. They go to Last.fm in the background; the list below shows how far it has got.`;
    setFlash(req, { kind: done.queued === 0 ? 'warning' : 'success', message, details: [] });
    res.redirect(303, `${basePath}/#message`);
  });

  return router;
}

/** What a script gets: the fields, and the rest of the summary beside them. */
function previewJson(preview: ImportPreview): Record<string, unknown> {
  return { importId: preview.importId, read: preview.read, toSend: preview.toSend, leftOut: preview.leftOut, format: preview.format, examples: preview.examples, from: preview.from, to: preview.to };
}

/** The pasted history: lines and tabs belong in it, other control characters and broken text do not. */
function readPasted(value: unknown): string {
  if (value !== undefined && typeof value !== 'string') throw badInput('text', 'must be given once, as text');
  if (value === undefined || value.trim() === '') throw badInput('text', 'is required: paste the lines or choose a file');
  if (value.length > MAX_PASTED_CHARS) throw badInput('text', `is too long (at most ${MAX_PASTED_CHARS.toLocaleString('en')} characters); send it as a file`);
  // eslint-disable-next-line no-control-regex -- control characters other than line breaks and tabs are exactly what is refused here
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(value)) throw badInput('text', 'contains control characters; is it a text file?');
  if (hasBrokenCharacter(value)) throw badInput('text', BROKEN_CHARACTER);
  return value;
}

function readZone(value: unknown): ZoneClock | undefined {
  const name = optionalString(value, 'timeZone', 64);
  if (name === undefined || name === '') return undefined;
  const clock = zoneClock(name);
  if (clock === undefined) throw badInput('timeZone', `"${name}" is not a time zone name like Europe/Berlin or America/New_York`);
  return clock;
}

function gone(): HttpError {
  return new HttpError(404, 'That import is no longer waiting', 'It was confirmed already, or more than an hour has passed since it was read. Nothing more was queued; read the file again to see what is left to send.', {
    action: { href: '/', label: 'Back to the start page' },
  });
}

function callOf(req: Request): { requestId: string | undefined; caller: string } {
  return { requestId: req.id, caller: callerOf(req) };
}

async function* once(text: string): AsyncGenerator<string> {
  yield await Promise.resolve(text);
}
