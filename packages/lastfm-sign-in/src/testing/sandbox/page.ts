import { existsSync, readFileSync } from 'node:fs';
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

/** `<%- include('/partials/x') %>` with no data of its own: the partial sees the page's data either way. */
const PLAIN_INCLUDE = /<%-\s*include\('(\/partials\/[a-z-]+)'\)\s*%>/g;

const compiled = new Map<string, ejs.TemplateFunction>();

/**
 * A view compiled once, its partials written into it: ejs's own include and file cache copied the
 * data and options for the page and for each partial on every render, most of the authorize
 * page's cost in a sign-in (measured: bench/README.md, the sign-in round trip).
 */
function templateOf(view: string): ejs.TemplateFunction {
  let template = compiled.get(view);
  if (template === undefined) {
    const file = path.join(VIEWS, `${view}.ejs`);
    const source = readFileSync(file, 'utf8').replace(PLAIN_INCLUDE, (_, partial: string) => readFileSync(path.join(VIEWS, `${partial}.ejs`), 'utf8'));
    template = ejs.compile(source, { filename: file, root: VIEWS });
    compiled.set(view, template);
  }
  return template;
}

/**
 * Renders one of the stand-in's own views with EJS from the package's folder, so the host needs
 * no view engine and none of its settings apply. Everything in the views is escaped (`<%=`).
 */
export function renderPage(res: Response, next: NextFunction, status: number, view: string, context: PageContext, data: Record<string, unknown>): void {
  let html: string;
  try {
    html = templateOf(view)({ ...data, ...context });
  } catch (error) {
    next(error);
    return;
  }
  res.status(status).type('html').send(html);
}
