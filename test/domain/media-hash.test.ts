import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { contentHash } from '../../src/domain/content-hash.ts';
import { contentHashWithFiles } from '../../src/domain/media-hash.ts';

const content = { texts: { x: 'Launch day!' }, media: [], publishAt: new Date('2026-12-06T08:00:00Z') };
const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const a = { sha256: sha('a'), alt: 'The team on stage' };
const b = { sha256: sha('b'), alt: null };

describe('contentHashWithFiles', () => {
  it('hashes a post without stored files exactly as before, so existing approvals stay valid', () => {
    // The value a post approved before issue 14 carries in posts.content_hash.
    const expected = createHash('sha256').update('{"media":[],"publishAt":"2026-12-06T08:00:00.000Z","texts":{"x":"Launch day!"}}').digest('hex');
    expect(contentHash(content)).toBe(expected);
    expect(contentHashWithFiles(content, [])).toBe(expected);
  });

  it("covers each file's bytes and alt text, in order", () => {
    const base = contentHashWithFiles(content, [a, b]);
    expect(base).not.toBe(contentHash(content));
    expect(contentHashWithFiles(content, [a, b])).toBe(base);
    expect(contentHashWithFiles(content, [b, a]), 'reordered').not.toBe(base);
    expect(contentHashWithFiles(content, [{ ...a, sha256: sha('c') }, b]), 'image swapped').not.toBe(base);
    expect(contentHashWithFiles(content, [{ ...a, alt: 'The team' }, b]), 'alt text edited').not.toBe(base);
    expect(contentHashWithFiles(content, [a]), 'image removed').not.toBe(base);
    expect(contentHashWithFiles({ ...content, texts: { x: 'Launch!' } }, [a, b]), 'text edited').not.toBe(base);
  });

  it('treats a missing alt text and an empty one alike (both show nothing)', () => {
    expect(contentHashWithFiles(content, [{ ...b, alt: '' }])).toBe(contentHashWithFiles(content, [b]));
  });

  it('refuses a file without a proper sha256', () => {
    expect(() => contentHashWithFiles(content, [{ sha256: 'abc', alt: null }])).toThrow(TypeError);
  });
});
