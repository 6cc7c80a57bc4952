import { createHash } from 'node:crypto';

export interface HashableContent {
  /** network -> text as it will be published (thread separators included). */
  texts: Record<string, string>;
  /** Media URLs in display order: reordering images is a change the approver did not see. */
  media: readonly string[];
  publishAt: Date;
}

/** What an approval is bound to: sha256 (hex) of a canonical JSON of the texts, media and publish time. */
export function contentHash(content: HashableContent): string {
  const canonical = canonicalJson({
    media: [...content.media],
    publishAt: content.publishAt.toISOString(),
    texts: content.texts,
  });
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** JSON with object keys sorted at every depth, so equal content always yields the same bytes. */
export function canonicalJson(value: Json): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key] as Json)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
