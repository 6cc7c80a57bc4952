import { describe, expect, it } from 'vitest';
import { splitThreadParts } from '../../src/domain/thread-parts.ts';

describe('splitThreadParts', () => {
  it('keeps a text without separators as one part', () => {
    expect(splitThreadParts('  Hello world\nsecond line  ')).toEqual(['Hello world\nsecond line']);
  });

  it('splits on lines holding only ---, trimming each part', () => {
    expect(splitThreadParts('One\n---\n Two \n  ---  \nThree')).toEqual(['One', 'Two', 'Three']);
  });

  it('accepts tabs around the separator and Windows line endings', () => {
    expect(splitThreadParts('One\r\n\t---\t\r\nTwo')).toEqual(['One', 'Two']);
  });

  it('drops empty parts', () => {
    expect(splitThreadParts('---\nOne\n---\n\n---\n   \n---\nTwo\n---')).toEqual(['One', 'Two']);
  });

  it('does not split on --- inside a line or on longer dashes', () => {
    expect(splitThreadParts('a --- b\n----\nc')).toEqual(['a --- b\n----\nc']);
  });

  it('keeps blank lines inside a part', () => {
    expect(splitThreadParts('One\n\nstill one\n---\nTwo')).toEqual(['One\n\nstill one', 'Two']);
  });

  it('returns nothing for empty or blank text', () => {
    expect(splitThreadParts('')).toEqual([]);
    expect(splitThreadParts(' \n --- \n ')).toEqual([]);
  });
});
