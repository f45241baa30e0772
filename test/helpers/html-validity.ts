import { HtmlValidate } from 'html-validate';
import type { Browser, BrowserContext } from 'playwright-core';

/** The rules of the HTML standard only (permitted content, attributes, unique ids...), not style. */
const validator = new HtmlValidate({ extends: ['html-validate:standard'] });

/**
 * Every HTML page the browser receives in a test file, for one validity check at its end: each
 * context the browser opens reports its documents (redirects and non-HTML answers left out).
 */
export class PagesSeen {
  private readonly documents: { name: string; html: Promise<string | undefined> }[] = [];
  /** Documents already validated, so a test and the file's afterAll do not both validate them. */
  private validated = 0;
  private readonly found: string[] = [];

  constructor(browser: Browser) {
    // Wrapped rather than asked of every test: a context opened anywhere in the file is covered.
    const newContext = browser.newContext.bind(browser);
    browser.newContext = async (options) => {
      const context = await newContext(options);
      this.watch(context);
      return context;
    };
  }

  get count(): number {
    return this.documents.length;
  }

  watch(context: BrowserContext): void {
    context.on('response', (response) => {
      const status = response.status();
      if (response.request().resourceType() !== 'document' || status < 200 || (status >= 300 && status < 400)) return;
      if (!(response.headers()['content-type'] ?? '').startsWith('text/html')) return;
      // Read now: the body is gone once the context closes. A test that closes its context before
      // the body arrived has nothing to validate for that page, which is not a failure of the page.
      const html = response.text().catch(() => undefined);
      this.documents.push({ name: `${status} ${new URL(response.url()).pathname}`, html });
    });
  }

  /** Every problem so far, one line each: page, line, rule and message. */
  async problems(): Promise<string[]> {
    for (; this.validated < this.documents.length; this.validated += 1) {
      const document = this.documents[this.validated];
      const html = document === undefined ? undefined : await document.html;
      if (document === undefined || html === undefined) continue;
      const report = await validator.validateString(html);
      for (const message of report.results.flatMap((result) => result.messages)) this.found.push(`${document.name} line ${message.line}: ${message.ruleId}: ${message.message}`);
    }
    return [...this.found];
  }

  /** For afterAll: fails the file, naming each problem, when a page it received is not valid HTML. */
  async check(): Promise<void> {
    const found = await this.problems();
    if (found.length > 0) throw new Error(`pages that are not valid HTML:\n${found.join('\n')}`);
  }
}
