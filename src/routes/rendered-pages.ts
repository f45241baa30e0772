import { createHash } from 'node:crypto';

/** Bounds memory by what the pages weigh, not how many there are: a huge Last.fm answer makes a huge page. */
const MAX_BYTES = 8 * 1024 * 1024;
/** A page larger than this is sent but not kept: it would push out dozens of ordinary ones. */
const MAX_PAGE_BYTES = 256 * 1024;

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
  private bytes = 0;

  constructor(
    private readonly maxBytes = MAX_BYTES,
    private readonly maxPageBytes = MAX_PAGE_BYTES,
  ) {}

  /** What the kept pages weigh now. */
  get size(): number {
    return this.bytes;
  }

  get(sessionId: string, fingerprint: string): RenderedPage | undefined {
    const entry = this.pages.get(sessionId);
    return entry?.fingerprint === fingerprint ? entry.page : undefined;
  }

  set(sessionId: string, fingerprint: string, page: RenderedPage): void {
    this.drop(sessionId);
    if (page.body.length > this.maxPageBytes) return;
    // Map order is insertion order: the least recently stored go first.
    for (const oldest of this.pages.keys()) {
      if (this.bytes + page.body.length <= this.maxBytes) break;
      this.drop(oldest);
    }
    this.pages.set(sessionId, { fingerprint, page });
    this.bytes += page.body.length;
  }

  private drop(sessionId: string): void {
    const entry = this.pages.get(sessionId);
    if (entry === undefined) return;
    this.pages.delete(sessionId);
    this.bytes -= entry.page.body.length;
  }
}

/** The page ready to send; the ETag is a weak one of the bytes, as Express would make it. */
export function renderedPage(html: string): RenderedPage {
  const body = Buffer.from(html, 'utf8');
  return { body, etag: `W/"${body.length.toString(16)}-${createHash('sha1').update(body).digest('base64').slice(0, 27)}"` };
}
