import { createHash } from 'node:crypto';
import { canonicalJson, contentHash, type HashableContent } from './content-hash.ts';

/** A stored file as the approval sees it: its bytes (sha256) and its alt text. */
export interface HashableFile {
  sha256: string;
  alt: string | null | undefined;
}

/**
 * The content hash of a post with stored files (issue 14): an approval covers each file's bytes and
 * alt text, in order, so swapping an image, reordering images or editing an alt text voids it like a
 * text edit. A post without stored files hashes exactly as contentHash() does, so every existing
 * approval stays valid.
 */
export function contentHashWithFiles(content: HashableContent, files: readonly HashableFile[]): string {
  if (files.length === 0) return contentHash(content);
  for (const file of files) {
    if (!/^[0-9a-f]{64}$/.test(file.sha256)) throw new TypeError('a file in the content hash needs its sha256 as 64 lowercase hex digits');
  }
  const canonical = canonicalJson({
    files: files.map((f) => ({ alt: f.alt ?? '', sha256: f.sha256 })),
    media: [...content.media],
    publishAt: content.publishAt.toISOString(),
    texts: content.texts,
  });
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}
