import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson, contentHash } from '../../src/domain/content-hash.ts';

const content = {
  texts: { x: 'Launch day!', linkedin: 'We launch today.' },
  media: ['https://cdn.example/a.png', 'https://cdn.example/b.png'],
  publishAt: new Date('2026-11-24T08:00:00Z'),
};

describe('contentHash', () => {
  it('is the sha256 of the canonical JSON', () => {
    const expected = createHash('sha256')
      .update(
        '{"media":["https://cdn.example/a.png","https://cdn.example/b.png"],"publishAt":"2026-11-24T08:00:00.000Z",' +
          '"texts":{"linkedin":"We launch today.","x":"Launch day!"}}',
      )
      .digest('hex');
    expect(contentHash(content)).toBe(expected);
    expect(contentHash(content)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('does not depend on the order the networks were added', () => {
    const reordered = { ...content, texts: { linkedin: 'We launch today.', x: 'Launch day!' } };
    expect(contentHash(reordered)).toBe(contentHash(content));
  });

  it.each([
    ['a text', { ...content, texts: { ...content.texts, x: 'Launch day!!' } }],
    ['a new network', { ...content, texts: { ...content.texts, bluesky: 'Launch day!' } }],
    ['the media order', { ...content, media: [...content.media].reverse() }],
    ['the media', { ...content, media: content.media.slice(1) }],
    ['the publish time', { ...content, publishAt: new Date('2026-11-24T08:01:00Z') }],
  ])('changes with %s', (_change, changed) => {
    expect(contentHash(changed)).not.toBe(contentHash(content));
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every depth and keeps array order', () => {
    expect(canonicalJson({ b: [{ z: 1, a: 2 }], a: 'x\n"' })).toBe('{"a":"x\\n\\"","b":[{"a":2,"z":1}]}');
  });
});
