import type { Db } from '../db/database.ts';
import { type MediaBytes, pruneMedia, type PrunedMedia } from '../db/media-store.ts';
import type { Logger } from '../log.ts';

export interface MediaRetentionDeps {
  db: Db;
  /** Where media bytes live (MEDIA_STORE); default PostgreSQL. */
  mediaBytes?: MediaBytes | undefined;
  log: Logger;
  now: () => Date;
  retentionDays: number;
}

/**
 * The daily retention job (queue `media-retention`): removes media of published, canceled or rejected
 * posts once MEDIA_RETENTION_DAYS have passed since the post last changed, copies left `preparing` by
 * a crash, and files never tied to a post. `npx greenlight media prune` runs the same rules.
 */
export async function runMediaRetention(deps: MediaRetentionDeps): Promise<PrunedMedia[]> {
  const pruned = await pruneMedia(deps, { now: deps.now(), retentionDays: deps.retentionDays });
  if (pruned.length > 0) {
    const bytes = pruned.reduce((sum, p) => sum + p.bytes, 0);
    const byReason = Object.fromEntries(['post_finished', 'stale_copy', 'unattached'].map((r) => [r, pruned.filter((p) => p.reason === r).length]));
    deps.log.info({ files: pruned.length, bytes, ...byReason }, 'media retention removed files');
  }
  return pruned;
}
