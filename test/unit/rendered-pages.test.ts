import { RenderedPages, renderedPage } from '../../src/routes/rendered-pages';

describe('RenderedPages', () => {
  it('keeps pages up to a total size, dropping the least recently stored first', () => {
    const pages = new RenderedPages(250, 200);
    pages.set('a', 'f', renderedPage('a'.repeat(100)));
    pages.set('b', 'f', renderedPage('b'.repeat(100)));
    pages.set('c', 'f', renderedPage('c'.repeat(100)));
    expect(pages.get('a', 'f')).toBeUndefined();
    expect(pages.get('b', 'f')?.body.toString()).toBe('b'.repeat(100));
    expect(pages.size).toBe(200);
  });

  it('does not keep a page larger than the per-page bound, and forgets the older page of that session', () => {
    const pages = new RenderedPages(10_000, 200);
    pages.set('a', 'f1', renderedPage('small'));
    pages.set('a', 'f2', renderedPage('x'.repeat(300)));
    expect(pages.get('a', 'f1')).toBeUndefined();
    expect(pages.get('a', 'f2')).toBeUndefined();
    expect(pages.size).toBe(0);
  });

  it('gives a page back only for the same fingerprint', () => {
    const pages = new RenderedPages();
    pages.set('a', 'f1', renderedPage('page'));
    expect(pages.get('a', 'f2')).toBeUndefined();
    expect(pages.get('a', 'f1')?.etag).toMatch(/^W\/"/);
  });
});
