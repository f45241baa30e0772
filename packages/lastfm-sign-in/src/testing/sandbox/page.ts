import { existsSync } from 'node:fs';
import path from 'node:path';
import ejs from 'ejs';
import type { NextFunction, Response } from 'express';

/** The package's folder (views/ and assets/ sit there), from src/ or from the build alike. */
function packageRoot(start: string): string {
  let dir = start;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`lastfm-sign-in: no package.json above ${start}`);
    dir = parent;
  }
  return dir;
}

const ROOT = packageRoot(__dirname);
export const VIEWS = path.join(ROOT, 'views');
export const ASSETS = path.join(ROOT, 'assets');

/** What every sandbox page is given besides its own data. */
export interface PageContext {
  /** Where the stand-in is mounted, as the browser sees it (`/sandbox`, or '' at a root). */
  base: string;
  /** The host's page a "Back to the app" link leads to; no such link without one. */
  appUrl: string | undefined;
}

/**
 * Renders one of the stand-in's own views with EJS from the package's folder, so the host needs
 * no view engine and none of its settings apply. Everything in the views is escaped (`<%=`).
 */
export function renderPage(res: Response, next: NextFunction, status: number, view: string, context: PageContext, data: Record<string, unknown>): void {
  ejs.renderFile(path.join(VIEWS, `${view}.ejs`), { ...data, ...context }, { root: VIEWS, cache: true }, (error: Error | null, html?: string) => {
    if (error !== null || html === undefined) {
      next(error ?? new Error('no html'));
      return;
    }
    res.status(status).type('html').send(html);
  });
}
