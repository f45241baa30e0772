import { readFileSync } from 'node:fs';
import type { Result } from 'axe-core';
import type { BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { sandboxBrowserSuite, signInOnSandbox } from '../helpers/browser';

/*
 * What a keyboard user, a screen reader, a phone, Windows high contrast, dark mode and a larger
 * default font meet, on the pages a person goes through: axe at 0 violations (light and dark),
 * the skip link and the in-page menu, a refused form that lands on its field, reflow at 320 px
 * and 390 x 844, buttons that keep an edge in forced colours, fonts that follow the browser's
 * size, and HTML that validates. One browser for the file; a context per situation.
 */
jest.setTimeout(180_000);

const suite = sandboxBrowserSuite();
const { sandboxState } = suite;
const base = (): string => suite.server.baseUrl;

const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** Each context's HTML pages are collected by the suite (test/helpers/html-validity.ts) and validated in the last test. */
function contextWith(options: BrowserContextOptions = {}): Promise<BrowserContext> {
  return suite.browser.newContext(options);
}

/** axe's violations on the page as it is, one line per rule and element. */
async function axeViolations(page: Page): Promise<string[]> {
  // evaluate runs outside the page's CSP, which forbids an injected script tag.
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (context: Document, options: object) => Promise<{ violations: Result[] }> } }).axe;
    return (await axe.run(document, { resultTypes: ['violations'] })).violations;
  });
  return violations.flatMap((violation) => violation.nodes.map((node) => `${violation.id}: ${node.target.join(' ')}`));
}

const found = new Map<string, string[]>();
async function audit(page: Page, name: string): Promise<void> {
  found.set(name, await axeViolations(page));
}

function form(page: Page, heading: string) {
  return page.locator('form', { has: page.getByRole('heading', { name: heading }) });
}

/** A UTC date and time for the picker, 20 days ago: older than Last.fm takes. */
function tooOld(): string {
  return new Date(Date.now() - 20 * 86_400_000).toISOString().slice(0, 16);
}

/** Where the focus is: tag, name, id, and its aria state. */
function focused(page: Page): Promise<{ tag: string; name: string | null; id: string; invalid: string | null; describedBy: string; role: string | null; text: string }> {
  return page.evaluate(() => {
    const active = document.activeElement as HTMLElement;
    const describedBy = (active.getAttribute('aria-describedby') ?? '')
      .split(' ')
      .map((id) => document.getElementById(id)?.textContent ?? '')
      .join(' ');
    return { tag: active.tagName.toLowerCase(), name: active.getAttribute('name'), id: active.id, invalid: active.getAttribute('aria-invalid'), describedBy, role: active.getAttribute('role'), text: active.textContent.trim() };
  });
}

/** Whether the element is inside the window as the page now stands. */
function onScreen(page: Page, selector: string): Promise<boolean> {
  return page.evaluate((s) => {
    const rect = document.querySelector(s)?.getBoundingClientRect();
    return rect !== undefined && rect.height > 0 && rect.top >= 0 && rect.bottom <= window.innerHeight;
  }, selector);
}

describe('light, 1280 x 800', () => {
  it('axe finds nothing on each page a person goes through, signed out and in, with messages and refused forms', async () => {
    const context = await contextWith({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${base()}/`);
    await audit(page, 'welcome');
    await page.goto(`${base()}/auth/mobile`);
    await audit(page, 'password');
    await page.getByLabel('Last.fm user name or email').fill('sandbox-ada');
    await page.getByLabel('Password').fill('wrong');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('problem').waitFor();
    await expect(page.title()).resolves.toMatch(/^Error: /);
    expect((await focused(page)).id).toBe('problem');
    await expect(page.getByLabel('Password').getAttribute('aria-invalid')).resolves.toBe('true');
    await expect(page.getByLabel('Password').getAttribute('aria-describedby')).resolves.toBe('problem');
    await audit(page, 'password refused');
    await page.goto(`${base()}/desktop`);
    await page.getByRole('button', { name: 'Create a token' }).click();
    await page.getByTestId('token').waitFor();
    await audit(page, 'desktop with a token');
    await page.getByRole('button', { name: 'Get session' }).click();
    await page.getByTestId('notice').waitFor();
    await expect(page.title()).resolves.toMatch(/^Error: Not approved yet/);
    expect(await focused(page)).toMatchObject({ id: 'message', role: 'alert' });
    await audit(page, 'desktop, not approved yet');
    await page.goto(`${base()}/setup`);
    await audit(page, 'setup');
    await page.goto(`${base()}/sandbox/`);
    // Named once, not "Last.fm sandbox · Last.fm sandbox".
    await expect(page.title()).resolves.toBe('About · Last.fm sandbox');
    await audit(page, 'sandbox');
    await page.goto(`${base()}/no-such-page`);
    await audit(page, 'not found');
    await page.goto(`${base()}/auth/login`);
    await audit(page, 'sandbox authorize');
    await page.getByRole('button', { name: 'No thanks' }).click();
    await page.waitForURL(/\/auth\/callback/);
    await audit(page, 'declined');

    await signInOnSandbox(page, base());
    await audit(page, 'home');
    await form(page, 'Scrobble a track').getByLabel('Artist', { exact: true }).fill('Björk');
    await form(page, 'Scrobble a track').getByLabel('Track').fill('Jóga');
    await form(page, 'Scrobble a track').locator('input[name=playedAt]').fill(tooOld());
    await form(page, 'Scrobble a track').getByRole('button', { name: 'Scrobble' }).click();
    await page.getByTestId('form-error').waitFor();
    await audit(page, 'home, refused form');
    await form(page, 'Scrobble a track').locator('input[name=playedAt]').fill('');
    await form(page, 'Scrobble a track').getByRole('button', { name: 'Scrobble' }).click();
    await page.waitForURL(`${base()}/#message`);
    await audit(page, 'home, message');
    sandboxState.outage = true;
    await form(page, 'Scrobble a track').getByLabel('Artist', { exact: true }).fill('Björk');
    await form(page, 'Scrobble a track').getByLabel('Track').fill('Hunter');
    await form(page, 'Scrobble a track').getByRole('button', { name: 'Scrobble' }).click();
    await page.getByTestId('outbox-why').waitFor();
    await audit(page, 'home, scrobbles waiting');
    sandboxState.outage = false;
    await context.close();

    expect(Object.fromEntries(found)).toEqual(Object.fromEntries([...found.keys()].map((name) => [name, []])));
    expect(found.size).toBe(14);
  });

  it('a keyboard reaches "Skip to content" first, and the signed-in menu takes it to the scrobble form in a few presses', async () => {
    const context = await contextWith({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${base()}/`);
    await page.keyboard.press('Tab');
    expect((await focused(page)).text).toBe('Skip to content');
    await expect(onScreen(page, '.skip-link')).resolves.toBe(true);
    await page.keyboard.press('Enter');
    expect((await focused(page)).id).toBe('content');

    await signInOnSandbox(page, base());
    await page.goto(`${base()}/`);
    let presses = 0;
    while ((await focused(page)).text !== 'Scrobble' && presses < 30) {
      await page.keyboard.press('Tab');
      presses += 1;
    }
    expect(presses).toBeLessThanOrEqual(7);
    // The app's own focus ring, not only the browser's.
    const ring = await page.evaluate(() => {
      const style = getComputedStyle(document.activeElement as Element);
      return `${style.outlineStyle} ${style.outlineWidth}`;
    });
    expect(ring).toBe('solid 3px');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    expect(await focused(page)).toMatchObject({ tag: 'input', name: 'artist' });
    await expect(page.evaluate(() => document.activeElement?.closest('form')?.id)).resolves.toBe('scrobble-form');
    // Signing out lands on the confirmation, not on the top of an unchanged-looking page.
    await page.locator('header').getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${base()}/?signed-out=here`);
    expect(await focused(page)).toMatchObject({ id: 'message', role: 'status' });
    await context.close();
  });

  it('buttons come in kinds: primary, secondary and danger look different, and signing out everywhere takes one more choice', async () => {
    const context = await contextWith({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await signInOnSandbox(page, base());
    const look = (name: string, within = page.locator('main')) =>
      within
        .getByRole('button', { name, exact: true })
        .first()
        .evaluate((button) => {
          const style = getComputedStyle(button);
          return `${style.backgroundColor} ${style.color} ${style.borderTopColor}`;
        });
    const primary = await look('Add tags');
    const secondary = await look('Sign out');
    const danger = await look('Remove tag');
    expect(new Set([primary, secondary, danger]).size).toBe(3);
    await expect(look('Scrobble')).resolves.toBe(primary);
    await expect(page.getByRole('button', { name: 'Sign me out everywhere' }).isVisible()).resolves.toBe(false);
    await page.getByText('Sign out everywhere…').click();
    await expect(look('Sign me out everywhere')).resolves.toBe(danger);
    await context.close();
  });

  it('inputs and outlined buttons have edges of at least 3:1 against what surrounds them', async () => {
    const context = await contextWith({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await signInOnSandbox(page, base());
    const weak = await page.evaluate(() => {
      const rgb = (css: string) => (css.match(/[\d.]+/g) ?? []).map(Number);
      const luminance = (css: string) => {
        const [r = 0, g = 0, b = 0] = rgb(css).map((v) => v / 255).map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
        return 0.2126 * r + 0.7152 * g + 0.0722 * b;
      };
      const surroundOf = (element: Element): string => {
        for (let node = element.parentElement; node !== null; node = node.parentElement) {
          const background = getComputedStyle(node).backgroundColor;
          if ((rgb(background)[3] ?? 1) > 0) return background;
        }
        return 'rgb(255, 255, 255)';
      };
      const problems: string[] = [];
      for (const control of Array.from(document.querySelectorAll('input:not([type=hidden]), select, textarea, button.secondary, button.danger'))) {
        const edge = getComputedStyle(control).borderTopColor;
        const around = surroundOf(control);
        const [light, dark] = [luminance(edge), luminance(around)].sort((a, b) => b - a) as [number, number];
        const ratio = (light + 0.05) / (dark + 0.05);
        if (ratio < 3) problems.push(`${control.tagName.toLowerCase()}[name=${control.getAttribute('name') ?? ''}] ${edge} on ${around}: ${ratio.toFixed(2)}:1`);
      }
      return problems;
    });
    expect(weak).toEqual([]);
    await context.close();
  });

  it('text follows the browser\'s default size: doubled, every text doubles', async () => {
    const context = await contextWith({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await signInOnSandbox(page, base());
    for (const path of ['/', '/auth/mobile', '/setup', '/sandbox/']) {
      await page.goto(`${base()}${path}`);
      const fixed = await page.evaluate(() => {
        const texts = Array.from(document.querySelectorAll('body *')).filter((element) => element.checkVisibility() && (Array.from(element.childNodes).some((node) => node.nodeType === Node.TEXT_NODE && (node.textContent ?? '').trim() !== '') || element.matches('input, select, textarea, button')));
        const before = texts.map((element) => parseFloat(getComputedStyle(element).fontSize));
        // What a larger default font size does: the root size changes, and rem and em follow it.
        document.documentElement.style.fontSize = '32px';
        return texts.flatMap((element, i) => {
          const ratio = parseFloat(getComputedStyle(element).fontSize) / (before[i] ?? 1);
          return Math.abs(ratio - 2) > 0.05 ? [`<${element.tagName.toLowerCase()} class="${element.className}"> ${ratio.toFixed(2)}x`] : [];
        });
      });
      expect({ path, fixed }).toEqual({ path, fixed: [] });
    }
    await context.close();
  });
});

describe('a refused form and a finished action, on a 390 x 844 phone', () => {
  it('lands on the form\'s message, focused and on screen, the refused field marked and described by it, with "Error:" in the title; a file too large too; a success on its message', async () => {
    const context = await contextWith({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    await signInOnSandbox(page, base());

    const scrobble = form(page, 'Scrobble a track');
    await scrobble.getByLabel('Artist', { exact: true }).fill('Björk');
    await scrobble.getByLabel('Track').fill('Jóga');
    await scrobble.locator('input[name=playedAt]').fill(tooOld());
    await scrobble.getByRole('button', { name: 'Scrobble' }).click();
    await page.getByTestId('form-error').waitFor();
    await expect(page.title()).resolves.toMatch(/^Error: Scrobble a track was not sent/);
    expect(new URL(page.url()).hash).toBe('#scrobble-error');
    expect(await focused(page)).toMatchObject({ id: 'scrobble-error', role: 'alert' });
    await expect(onScreen(page, '#scrobble-error')).resolves.toBe(true);
    const field = await page.locator('input[name=playedAt]').evaluate((input) => ({ invalid: input.getAttribute('aria-invalid'), describedBy: document.getElementById(input.getAttribute('aria-describedby') ?? '')?.textContent ?? '' }));
    expect(field.invalid).toBe('true');
    expect(field.describedBy).toContain('more than 14 days ago');
    // The next Tab goes on through the form from the message, to its first field.
    await page.keyboard.press('Tab');
    expect(await focused(page)).toMatchObject({ tag: 'input', name: 'artist' });

    await form(page, 'Scrobble a batch').locator('input[type=file]').setInputFiles({ name: 'plays.txt', mimeType: 'text/plain', buffer: Buffer.alloc(600 * 1024, 'a') });
    await form(page, 'Scrobble a batch').getByRole('button', { name: 'Scrobble these' }).click();
    await page.locator('#scrobble-batch-error').waitFor();
    await expect(page.title()).resolves.toMatch(/^Error: Scrobble a batch was not sent/);
    await expect(page.locator('h1').textContent()).resolves.toBe('Hello, sandbox-ada');
    expect(await focused(page)).toMatchObject({ id: 'scrobble-batch-error', role: 'alert', text: 'A batch file may be at most 512 KB (1,000 lines).' });
    await expect(onScreen(page, '#scrobble-batch-error')).resolves.toBe(true);
    await expect(page.locator('#batch-form input[type=file]').getAttribute('aria-invalid')).resolves.toBe('true');

    await form(page, 'Scrobble a track').getByLabel('Artist', { exact: true }).fill('Björk');
    await form(page, 'Scrobble a track').getByLabel('Track').fill('Jóga');
    await form(page, 'Scrobble a track').getByRole('button', { name: 'Scrobble' }).click();
    await page.waitForURL(`${base()}/#message`);
    await expect(page.title()).resolves.not.toMatch(/^Error/);
    expect(await focused(page)).toMatchObject({ id: 'message', role: 'status' });
    await expect(onScreen(page, '#message')).resolves.toBe(true);
    await context.close();
  });
});

describe('reflow', () => {
  it.each([
    ['320 px', { width: 320, height: 640 }],
    ['390 x 844', { width: 390, height: 844 }],
  ])('at %s nothing scrolls sideways, labels stand over their values, and no credential breaks across lines', async (_name, viewport) => {
    const context = await contextWith({ viewport, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    const problems: string[] = [];
    const check = async (name: string): Promise<void> => {
      const found = await page.evaluate(() => {
        const out: string[] = [];
        const root = document.documentElement;
        if (root.scrollWidth > root.clientWidth) out.push(`page is ${root.scrollWidth}px wide on a ${root.clientWidth}px screen`);
        const lines = (element: Element) => {
          const range = document.createRange();
          range.selectNodeContents(element);
          return new Set(Array.from(range.getClientRects()).map((rect) => Math.round(rect.top))).size;
        };
        for (const credential of Array.from(document.querySelectorAll('.credential, .credentials code, td code'))) {
          if (lines(credential) > 1) out.push(`"${credential.textContent}" breaks across ${lines(credential)} lines`);
        }
        const main = document.querySelector('main');
        const wide = main === null ? 0 : main.clientWidth * 0.6;
        for (const value of Array.from(document.querySelectorAll('.facts dd'))) {
          if (value.getBoundingClientRect().width < wide) out.push(`"${value.textContent.trim().slice(0, 30)}" squeezed to ${Math.round(value.getBoundingClientRect().width)}px`);
        }
        return out;
      });
      problems.push(...found.map((problem) => `${name}: ${problem}`));
    };
    for (const [name, path] of [['welcome', '/'], ['password', '/auth/mobile'], ['desktop', '/desktop'], ['sandbox', '/sandbox/']] as const) {
      await page.goto(`${base()}${path}`);
      await check(name);
    }
    await signInOnSandbox(page, base());
    await check('home');
    await page.goto(`${base()}/setup`);
    await check('setup');
    await context.close();
    expect(problems).toEqual([]);
  });
});

describe('forced colours (Windows high contrast)', () => {
  it('every button keeps a visible edge', async () => {
    const context = await contextWith({ viewport: { width: 1280, height: 800 }, forcedColors: 'active' });
    const page = await context.newPage();
    await signInOnSandbox(page, base());
    await page.getByText('Sign out everywhere…').click();
    const edgeless = await page.evaluate(() =>
      Array.from(document.querySelectorAll('button:not(.link-button), a.button'))
        .filter((button) => button.checkVisibility())
        .filter((button) => {
          const style = getComputedStyle(button);
          return parseFloat(style.borderTopWidth) < 1 || style.borderTopStyle === 'none' || style.borderTopColor === 'rgba(0, 0, 0, 0)';
        })
        .map((button) => button.textContent.trim()),
    );
    expect(edgeless).toEqual([]);
    await context.close();
  });
});

describe('dark mode', () => {
  it('follows prefers-color-scheme, and axe (colour contrast included) finds nothing', async () => {
    const context = await contextWith({ viewport: { width: 1280, height: 800 }, colorScheme: 'dark' });
    const page = await context.newPage();
    const dark: Record<string, string[]> = {};
    const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    await page.goto(`${base()}/`);
    await expect(background()).resolves.toBe('rgb(18, 18, 18)');
    dark.welcome = await axeViolations(page);
    await page.goto(`${base()}/auth/mobile`);
    dark.password = await axeViolations(page);
    await signInOnSandbox(page, base());
    dark.home = await axeViolations(page);
    await form(page, 'Scrobble a track').getByLabel('Artist', { exact: true }).fill('Björk');
    await form(page, 'Scrobble a track').getByLabel('Track').fill('Jóga');
    await form(page, 'Scrobble a track').locator('input[name=playedAt]').fill(tooOld());
    await form(page, 'Scrobble a track').getByRole('button', { name: 'Scrobble' }).click();
    await page.getByTestId('form-error').waitFor();
    dark['refused form'] = await axeViolations(page);
    sandboxState.outage = true;
    await form(page, 'Scrobble a track').locator('input[name=playedAt]').fill('');
    await form(page, 'Scrobble a track').getByRole('button', { name: 'Scrobble' }).click();
    await page.getByTestId('outbox-why').waitFor();
    sandboxState.outage = false;
    dark['scrobbles waiting'] = await axeViolations(page);
    await page.goto(`${base()}/setup`);
    dark.setup = await axeViolations(page);
    await page.goto(`${base()}/no-such-page`);
    dark['not found'] = await axeViolations(page);
    await context.close();
    expect(dark).toEqual(Object.fromEntries(Object.keys(dark).map((name) => [name, []])));
  });
});

describe('HTML', () => {
  it('every page these tests received is valid HTML', async () => {
    expect(suite.pages.count).toBeGreaterThanOrEqual(40);
    await expect(suite.pages.problems()).resolves.toEqual([]);
  });
});
