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

export interface HomeRow extends QueueRow {
  channel_id: string | null;
  message_id: string | null;
}

/** The four lists of Slack's App Home, each bounded and served by an index. */
export async function appHomeLists(tx: Executor, workspaceId: string, userId: string, now: Date) {
  const base = () =>
    tx
      .selectFrom('posts')
      .leftJoin('chat_messages', 'chat_messages.post_id', 'posts.id')
      .select([
        'posts.id',
        'posts.state',
        'posts.author_id',
        'posts.text',
        'posts.publish_at',
        'posts.zone',
        'chat_messages.channel_id',
        'chat_messages.message_id',
      ])
      .where('posts.workspace_id', '=', workspaceId)
      .limit(15);
  const weekAhead = new Date(now.getTime() + 7 * 86_400_000);
  const [mine, toApprove, scheduled, failed] = await Promise.all([
    base().where('posts.author_id', '=', userId).where('posts.state', 'in', ['draft', 'in_review', 'changes_requested']).orderBy('posts.publish_at').execute(),
    base().where('posts.state', '=', 'in_review').where('posts.author_id', '!=', userId).orderBy('posts.publish_at').execute(),
    base().where('posts.state', 'in', ['approved', 'scheduled', 'publishing']).where('posts.publish_at', '<', weekAhead).orderBy('posts.publish_at').execute(),
    base()
      .where('posts.state', 'in', ['failed', 'partially_published'])
      .where('posts.updated_at', '>=', new Date(now.getTime() - 7 * 86_400_000))
      .orderBy('posts.updated_at', 'desc')
      .execute(),
  ]);
  return { mine, toApprove, scheduled, failed };
}
