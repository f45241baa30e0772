import { createHash } from 'node:crypto';
import { setNewest } from '../bounded-map';

/** Bounds memory: about 10 KB a page, so at most a few MB. */
const MAX_PAGES = 500;

/** A rendered page as it goes out: encoded once, with its ETag worked out once. */
export interface RenderedPage {
  body: Buffer;
  etag: string;
}

/**
 * Rendered signed-in home pages, one per browser session, each kept with a fingerprint of
 * everything it was built from. A page is reused only when the fingerprint is equal, so it is the
 * page a fresh render would give; anything else (a write, new data, the clock moving a "5 minutes
 * ago") makes a new fingerprint and a new render.
 */
export class RenderedPages {
  private readonly pages = new Map<string, { fingerprint: string; page: RenderedPage }>();

  constructor(private readonly maxPages = MAX_PAGES) {}

  get(sessionId: string, fingerprint: string): RenderedPage | undefined {
    const entry = this.pages.get(sessionId);
    return entry?.fingerprint === fingerprint ? entry.page : undefined;
  }

  set(sessionId: string, fingerprint: string, page: RenderedPage): void {
    setNewest(this.pages, sessionId, { fingerprint, page }, this.maxPages);
  }
}

/** The page ready to send; the ETag is a weak one of the bytes, as Express would make it. */
export function renderedPage(html: string): RenderedPage {
  const body = Buffer.from(html, 'utf8');
  return { body, etag: `W/"${body.length.toString(16)}-${createHash('sha1').update(body).digest('base64').slice(0, 27)}"` };
}
