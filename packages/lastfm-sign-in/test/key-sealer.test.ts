import { KeySealer } from '../src/core/key-sealer';

const OLD = 'old-secret-0123456789abcdefghijklmnopqrstuv';
const NEW = 'new-secret-0123456789abcdefghijklmnopqrstuv';

describe('KeySealer', () => {
  it('round-trips a session key and never writes it in clear', () => {
    const sealer = new KeySealer([NEW]);
    const sealed = sealer.seal('abcdef0123456789abcdef0123456789', 'user:rj');
    expect(sealed).not.toContain('abcdef0123456789');
    expect(sealed).toMatch(/^v1\.[A-Za-z0-9_-]{8}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(sealer.open(sealed, 'user:rj')).toBe('abcdef0123456789abcdef0123456789');
  });

  it('uses a fresh IV each time', () => {
    const sealer = new KeySealer([NEW]);
    expect(sealer.seal('same', 'c')).not.toBe(sealer.seal('same', 'c'));
  });

  it('opens keys sealed under an older secret after rotation, and seals new ones with the newest', () => {
    const before = new KeySealer([OLD]).seal('the-key', 'c');
    const rotated = new KeySealer([NEW, OLD]);
    expect(rotated.open(before, 'c')).toBe('the-key');
    const after = rotated.seal('the-key', 'c');
    expect(new KeySealer([NEW]).open(after, 'c')).toBe('the-key');
    expect(new KeySealer([OLD]).open(after, 'c')).toBeUndefined();
  });

  it('gives undefined, not an exception, for an unknown secret, another context, tampering or garbage', () => {
    const sealed = new KeySealer([OLD]).seal('the-key', 'user:rj');
    expect(new KeySealer([NEW]).open(sealed, 'user:rj')).toBeUndefined();
    expect(new KeySealer([OLD]).open(sealed, 'user:ada')).toBeUndefined();
    const parts = sealed.split('.');
    const body = Buffer.from(parts[3] ?? '', 'base64url');
    body[0] = (body[0] ?? 0) ^ 1;
    parts[3] = body.toString('base64url');
    expect(new KeySealer([OLD]).open(parts.join('.'), 'user:rj')).toBeUndefined();
    for (const junk of ['', 'v1', 'v2.a.b.c.d', 'v1.x.y.z.w', 'not sealed at all']) expect(new KeySealer([OLD]).open(junk, 'user:rj')).toBeUndefined();
  });

  it('refuses a sealed key whose authentication tag was cut short, down to the 4 bytes GCM would otherwise accept', () => {
    const sealer = new KeySealer([NEW]);
    const parts = sealer.seal('the-key', 'user:rj').split('.');
    const tag = Buffer.from(parts[4] ?? '', 'base64url');
    expect(tag).toHaveLength(16);
    for (const bytes of [15, 12, 8, 4]) {
      const truncated = [...parts.slice(0, 4), tag.subarray(0, bytes).toString('base64url')].join('.');
      expect({ bytes, opened: sealer.open(truncated, 'user:rj') }).toEqual({ bytes, opened: undefined });
    }
  });
});
