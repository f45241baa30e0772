import type { Page } from 'playwright-core';
import { sandboxBrowserSuite } from '../helpers/browser';

jest.setTimeout(90_000);

// A common phone: 390 x 844 CSS pixels.
const PHONE = { width: 390, height: 844 };

const suite = sandboxBrowserSuite();
const { sandboxState } = suite;

interface LayoutProblem {
  kind: 'horizontal overflow' | 'overlap';
  detail: string;
}

/**
 * What is wrong with the page's layout at this width: a page wider than the screen (it scrolls
 * sideways), or boxes that overlap: text under a button, two buttons on top of each other.
 * Text is measured line by line (Range rects), so text spilling out of a squeezed box counts.
 */
function layoutProblems(page: Page): Promise<LayoutProblem[]> {
  return page.evaluate(() => {
    const problems: { kind: 'horizontal overflow' | 'overlap'; detail: string }[] = [];
    const root = document.documentElement;
    if (root.scrollWidth > root.clientWidth) problems.push({ kind: 'horizontal overflow', detail: `page is ${root.scrollWidth}px wide on a ${root.clientWidth}px screen` });

    interface Box {
      rect: DOMRect;
      owner: Element;
      label: string;
    }
    const boxes: Box[] = [];
    const visible = (rect: DOMRect) => rect.width > 0.5 && rect.height > 0.5;
    const controls = document.querySelectorAll('button, input:not([type=hidden]), select, textarea, img, a.button, .art');
    for (const control of Array.from(controls)) {
      const rect = control.getBoundingClientRect();
      if (visible(rect)) boxes.push({ rect, owner: control, label: `<${control.tagName.toLowerCase()}> ${control.textContent.trim().slice(0, 30)}` });
    }
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node !== null; node = walker.nextNode()) {
      const text = node.textContent?.trim() ?? '';
      const owner = node.parentElement;
      if (text === '' || owner === null || owner.closest('button, select, textarea, option') !== null) continue;
      const range = document.createRange();
      range.selectNodeContents(node);
      for (const rect of Array.from(range.getClientRects())) if (visible(rect)) boxes.push({ rect, owner, label: `"${text.slice(0, 30)}"` });
    }
    const overlap = (a: DOMRect, b: DOMRect) => Math.min(a.right, b.right) - Math.max(a.left, b.left) > 1 && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 1;
    for (let i = 0; i < boxes.length; i += 1) {
      for (let j = i + 1; j < boxes.length; j += 1) {
        const a = boxes[i];
        const b = boxes[j];
        if (a === undefined || b === undefined || a.owner === b.owner) continue;
        // A label around its input, a link around its text: one holds the other, by design.
        if (a.owner.contains(b.owner) || b.owner.contains(a.owner)) continue;
        if (overlap(a.rect, b.rect)) problems.push({ kind: 'overlap', detail: `${a.label} overlaps ${b.label}` });
      }
    }
    return problems;
  });
}

/** Every page's problems, by page, checked together at the end so one run shows them all. */
const found = new Map<string, LayoutProblem[]>();

async function checkLayout(page: Page, name: string): Promise<void> {
  if (process.env.SCREENSHOT_DIR !== undefined) {
    await page.screenshot({ path: `${process.env.SCREENSHOT_DIR}/phone-${name}.png`, fullPage: true });
    await page.screenshot({ path: `${process.env.SCREENSHOT_DIR}/phone-${name}-first-screen.png` });
  }
  found.set(name, await layoutProblems(page));
}

describe('on a 390 px phone screen', () => {
  it('no page scrolls sideways and no boxes overlap: signed out, sandbox pages, signed in with long track names', async () => {
    const context = await suite.browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
    const page = await context.newPage();
    const base = suite.server.baseUrl;

    for (const [name, path] of [['home', '/'], ['password', '/auth/mobile'], ['desktop', '/desktop'], ['sandbox-info', '/sandbox/']] as const) {
      await page.goto(`${base}${path}`);
      await checkLayout(page, name);
    }
    await page.getByRole('link', { name: 'Back to the app' }).click();
    await page.goto(`${base}/desktop`);
    await page.getByRole('button', { name: 'Create a token' }).click();
    await page.waitForURL(`${base}/desktop#tokens`);
    await checkLayout(page, 'desktop-token');

    const library = sandboxState.library;
    const now = Math.floor(Date.now() / 1000);
    library.addScrobble('sandbox-ada', { artist: 'Godspeed You! Black Emperor', track: 'Storm: Lift Yr. Skinny Fists Like Antennas to Heaven', album: 'Lift Your Skinny Fists Like Antennas to Heaven', timestamp: now - 600 });
    library.addScrobble('sandbox-ada', { artist: 'Sigur Rós', track: 'Hoppípolla', album: 'Takk...', timestamp: now - 300 });
    library.of('sandbox-ada').nowPlaying = { artist: 'Björk', track: 'Jóga', album: 'Homogenic', until: sandboxState.now() + 600_000 };

    await page.goto(`${base}/`);
    await page.getByRole('link', { name: 'Sign in with Last.fm' }).click();
    await page.waitForURL(/\/sandbox\/api\/auth\//);
    await checkLayout(page, 'sandbox-authorize');
    await page.selectOption('select[name=user]', 'sandbox-ada');
    await page.getByRole('button', { name: 'Yes, allow access' }).click();
    await page.waitForURL(`${base}/`);
    await expect(page.getByTestId('recent-tracks').textContent()).resolves.toContain('Storm: Lift Yr. Skinny Fists');
    await checkLayout(page, 'signed-in');

    // The header's "Sign out" stays on one line.
    const signOut = page.locator('header').getByRole('button', { name: 'Sign out' });
    const lines = await signOut.evaluate((button) => {
      const range = document.createRange();
      range.selectNodeContents(button);
      return new Set(Array.from(range.getClientRects()).map((rect) => Math.round(rect.top))).size;
    });
    await context.close();

    expect([...found.keys()]).toEqual(['home', 'password', 'desktop', 'sandbox-info', 'desktop-token', 'sandbox-authorize', 'signed-in']);
    expect(Object.fromEntries(found)).toEqual(Object.fromEntries([...found.keys()].map((name) => [name, []])));
    expect(lines).toBe(1);
  });
});
