import type { Executor } from './database.ts';

export interface QueueRow {
  id: string;
  state: string;
  author_id: string;
  text: string;
  publish_at: Date;
  zone: string;
}

const LIVE = ['in_review', 'changes_requested', 'approved', 'scheduled', 'publishing'] as const;

/** What is coming up in the next `days` days: served by posts_queue_idx, however many posts are stored. */
export function upcomingPosts(tx: Executor, workspaceId: string, from: Date, days: number, limit = 50): Promise<QueueRow[]> {
  return tx
    .selectFrom('posts')
    .select(['id', 'state', 'author_id', 'text', 'publish_at', 'zone'])
    .where('workspace_id', '=', workspaceId)
    .where('state', 'in', LIVE)
    .where('publish_at', '<', new Date(from.getTime() + days * 86_400_000))
    .orderBy('publish_at')
    .limit(limit)
    .execute();
}

/** Posts that failed or partly failed in the last `days` days: served by posts_failures_idx. */
export function recentFailures(tx: Executor, workspaceId: string, now: Date, days: number, limit = 20): Promise<QueueRow[]> {
  return tx
    .selectFrom('posts')
    .select(['id', 'state', 'author_id', 'text', 'publish_at', 'zone'])
    .where('workspace_id', '=', workspaceId)
    .where('state', 'in', ['failed', 'partially_published'])
    .where('updated_at', '>=', new Date(now.getTime() - days * 86_400_000))
    .orderBy('updated_at', 'desc')
    .limit(limit)
    .execute();
}
