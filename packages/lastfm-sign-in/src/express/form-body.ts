import type { Request } from 'express';
import { SignInError } from './errors';

const LIMIT_BYTES = 8 * 1024;

/**
 * The form fields of a POST. A host that parses bodies already (express.urlencoded, express.json)
 * has put them in `req.body`; otherwise the library reads a small urlencoded body itself, so its
 * forms work whatever the host mounted.
 */
export async function formFields(req: Request): Promise<Record<string, unknown>> {
  const parsed: unknown = req.body;
  if (typeof parsed === 'object' && parsed !== null && Object.keys(parsed).length > 0) return parsed as Record<string, unknown>;
  if (!req.is('application/x-www-form-urlencoded') || req.readableEnded || (req as Request & { _body?: boolean })._body === true) return {};
  const text = await readText(req);
  const fields: Record<string, unknown> = {};
  for (const [name, value] of new URLSearchParams(text)) {
    // A repeated field is kept as a list, so field checks refuse it instead of picking one.
    const earlier = fields[name];
    fields[name] = earlier === undefined ? value : [...(Array.isArray(earlier) ? (earlier as unknown[]) : [earlier]), value];
  }
  return fields;
}

function readText(req: Request): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > LIMIT_BYTES) {
        req.destroy();
        reject(new SignInError('bad-input', { status: 413, message: 'The form is too large.' }));
        return;
      }
      chunks.push(chunk);
    });
    req.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.once('error', reject);
  });
}
