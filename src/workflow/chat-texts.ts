import { loadPostContent } from '../db/posts.ts';
import type { Executor } from '../db/database.ts';
import type { Post, Workspace } from '../db/schema.ts';
import { formatIsoMinute } from '../domain/time-format.ts';

/**
 * Texts and form values both chats show, written once: each chat passes how it writes a mention
 * (Slack `<!subteam^S1>`, Discord `<@&R1>`), as card-view.ts takes each chat's formatting.
 */
export interface Mentions {
  channel(id: string): string;
  group(id: string): string;
}

/** `/greenlight settings` without arguments: the workspace's settings, one `key=value` a line, then the help. */
export function settingsText(workspace: Workspace, mention: Mentions, help: string): string {
  return [
    `approvals_channel=${workspace.approvals_channel_id ? mention.channel(workspace.approvals_channel_id) : '(where /post is used)'}`,
    `approver_group=${workspace.approver_group_id ? mention.group(workspace.approver_group_id) : '(none: admins and members marked approver)'}`,
    `approvals_required=${workspace.approvals_required}`,
    `self_approval=${workspace.allow_self_approval ? 'on' : 'off'}`,
    `zone=${workspace.default_zone}`,
    `reminder_minutes=${workspace.reminder_after_minutes}`,
    `digest_day=${workspace.digest_day ?? 'off'}`,
    `digest_hour=${workspace.digest_hour}`,
    `digest_channel=${workspace.digest_channel_id ? mention.channel(workspace.digest_channel_id) : '(the approvals channel)'}`,
    help,
  ].join('\n');
}

/** What the compose form holds when the author edits a post: its text, accounts, variants, media, time, zone and note. */
export async function editPrefill(db: Executor, post: Post) {
  const content = await loadPostContent(db, post.id);
  return {
    text: post.text,
    accountIds: content.targets.map((t) => t.accountId),
    variants: content.variants,
    media: content.media.map((m) => m.url),
    when: formatIsoMinute(post.publish_at, post.zone),
    zone: post.zone,
    note: post.note,
  };
}
