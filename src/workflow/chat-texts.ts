import { listAccounts } from '../db/accounts.ts';
import type { Executor } from '../db/database.ts';
import { listPostFiles } from '../db/post-files.ts';
import { loadPostContent } from '../db/posts.ts';
import { recentFailures, upcomingPosts, type QueueRow } from '../db/queue-view.ts';
import type { Post, Workspace } from '../db/schema.ts';
import { findWorkspace } from '../db/workspaces.ts';
import { NETWORK_LABELS } from '../domain/networks.ts';
import { parseWeekArg } from '../domain/posting-slots.ts';
import { formatIsoMinute } from '../domain/time-format.ts';
import type { Actor } from './actor.ts';
import type { ComposeFile } from './compose.ts';
import type { WorkflowDeps } from './deps.ts';
import { findLinkPreview } from '../db/link-previews.ts';
import { listFirstComments } from '../db/first-comments.ts';
import { buildWeekView, freeSlots, type WeekFormat, weekText, withFreeSlots } from './week-view.ts';

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
    `alt_text=${workspace.require_alt_text ? 'required' : 'optional'}`,
    help,
  ].join('\n');
}

/**
 * How one chat writes the `/greenlight queue` and `accounts` answers: its markup (Slack mrkdwn
 * `*bold*`, Discord markdown `**bold**`), its time stamps and its command syntax. The words and the
 * order of things are the workflow's.
 */
export interface AnswerFormat extends WeekFormat {
  /** A date and time. Slack writes it in `zone`; Discord as a `<t:…:f>` stamp each reader sees in their own zone. */
  stamp(at: Date, zone: string): string;
  /** Between the parts of a queue line: Slack " — ", Discord " · ". */
  separator: string;
  /** Between an account and its health: Slack " — ", Discord ": ". */
  healthSeparator: string;
  /** How a week is asked for in this chat's command syntax, as examples. */
  weekExamples: string;
  /** The connect command as this chat's people type it. */
  connectCommand: string;
}

/**
 * `/greenlight queue [week]`: without a week, the coming 7 days (posts with the free slots between
 * them) and the failures of the last 7; with one, that week as a calendar.
 */
export async function queueText(deps: WorkflowDeps, actor: Actor, week: string | undefined, format: AnswerFormat): Promise<string> {
  const now = deps.now();
  const zone = (await findWorkspace(deps.db, actor.workspaceId))!.default_zone;
  if (week !== undefined && week.trim() !== '') {
    const offset = parseWeekArg(week, zone, now);
    if (offset === undefined) return `⚠️ "${format.escape(week.slice(0, 40))}" is not a week: write ${format.weekExamples} or a date in the week (2026-12-24).`;
    return weekText(await buildWeekView(deps, actor.workspaceId, zone, offset), format);
  }
  const [upcoming, failures, free] = await Promise.all([
    upcomingPosts(deps.db, actor.workspaceId, now, 7),
    recentFailures(deps.db, actor.workspaceId, now, 7),
    freeSlots(deps, actor.workspaceId, now, new Date(now.getTime() + 7 * 86_400_000)),
  ]);
  const sep = format.separator;
  const line = (p: QueueRow) =>
    `• ${format.stamp(p.publish_at, p.zone)}${sep}${p.state.replace('_', ' ')}${sep}${format.mention(p.author_id)}: ${format.escape(p.text.slice(0, 80))}${p.text.length > 80 ? '…' : ''}`;
  const freeLine = (f: { at: Date; accounts: string[] }) => `◻️ ${format.stamp(f.at, zone)}${sep}free slot: ${format.escape(f.accounts.join(', '))}`;
  return [
    `${format.bold('This week')} (${upcoming.length})`,
    ...(upcoming.length || free.length ? withFreeSlots(upcoming, free, line, freeLine) : ['Nothing scheduled.']),
    `${format.bold('Failed in the last 7 days')} (${failures.length})`,
    ...(failures.length ? failures.map(line) : ['None.']),
  ].join('\n');
}

/** `/greenlight accounts`: each connected social account and its health. */
export async function accountsText(deps: WorkflowDeps, actor: Actor, format: AnswerFormat): Promise<string> {
  const accounts = await listAccounts(deps.db, actor.workspaceId);
  if (accounts.length === 0) return `No accounts connected yet. Use ${format.connectCommand}.`;
  const health = (a: (typeof accounts)[number]) =>
    a.status === 'connected' ? '✅ connected' : `🔌 needs reconnect${a.last_error ? ` (${format.escape(a.last_error)})` : ''}`;
  return accounts.map((a) => `• ${NETWORK_LABELS[a.network]} · ${format.escape(a.display_name)}${format.healthSeparator}${health(a)}`).join('\n');
}

/** What the compose form holds when the author edits a post: its text, accounts, variants, media, time, zone and note. */
export async function editPrefill(db: Executor, post: Post) {
  const [content, files, preview, comments] = await Promise.all([
    loadPostContent(db, post.id),
    listPostFiles(db, post.id),
    findLinkPreview(db, post.id),
    listFirstComments(db, post.id),
  ]);
  return {
    /** The post's files in the store, which Edit keeps unless the author attaches others. */
    files: files.map(
      (f): ComposeFile => ({
        source: { chat: 'store', mediaId: f.id },
        filename: f.filename,
        contentType: f.content_type,
        bytes: Number(f.bytes),
        width: f.width ?? undefined,
        height: f.height ?? undefined,
        alt: f.alt ?? undefined,
      }),
    ),
    text: post.text,
    accountIds: content.targets.map((t) => t.accountId),
    variants: content.variants,
    media: content.media.map((m) => m.url),
    when: formatIsoMinute(post.publish_at, post.zone),
    zone: post.zone,
    note: post.note,
    ...(preview?.status === 'disabled' ? { noLinkPreview: true } : {}),
    comments,
    instagram: content.instagramKind,
  };
}
