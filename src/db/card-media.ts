import type { Executor } from './database.ts';
import type { MediaRow } from './media-store.ts';

/**
 * A file a card shows (signed card-image URL, src/crypto/media-url.ts): ready, and one of a post's own
 * files (not a converted copy, not a file without a post), whatever the post's state: approvers see the
 * images while the post is in review. Until the file is pruned with its post (media retention).
 */
export async function findCardImage(db: Executor, id: string): Promise<MediaRow | undefined> {
  return db
    .selectFrom('media')
    .selectAll()
    .where('id', '=', id)
    .where('state', '=', 'ready')
    .where('post_id', 'is not', null)
    .where('variant_of', 'is', null)
    .executeTakeFirst();
}
