/** Bounds memory: about 10 KB a page, so at most a few MB. */
const MAX_PAGES = 500;

/**
 * Rendered signed-in home pages, one per browser session, each kept with a fingerprint of
 * everything it was built from. A page is reused only when the fingerprint is equal, so it is the
 * page a fresh render would give; anything else (a write, new data, the clock moving a "5 minutes
 * ago") makes a new fingerprint and a new render.
 */
export class RenderedPages {
  private readonly pages = new Map<string, { fingerprint: string; html: string }>();

  constructor(private readonly maxPages = MAX_PAGES) {}

  get(sessionId: string, fingerprint: string): string | undefined {
    const page = this.pages.get(sessionId);
    return page?.fingerprint === fingerprint ? page.html : undefined;
  }

  set(sessionId: string, fingerprint: string, html: string): void {
    // Re-inserting moves the page to the end, so the oldest sit at the front.
    this.pages.delete(sessionId);
    this.pages.set(sessionId, { fingerprint, html });
    for (const oldest of this.pages.keys()) {
      if (this.pages.size <= this.maxPages) break;
      this.pages.delete(oldest);
    }
  }
}
