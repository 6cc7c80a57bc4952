import { listAccounts } from '../../../db/accounts.ts';
import { recentFailures, upcomingPosts, type QueueRow } from '../../../db/queue-view.ts';
import type { Workspace } from '../../../db/schema.ts';
import { NETWORK_LABELS, NETWORKS } from '../../../domain/networks.ts';
import { findWorkspace } from '../../../db/workspaces.ts';
import { parseWeekArg } from '../../../domain/posting-slots.ts';
import { buildWeekView, freeSlots, weekText, withFreeSlots } from '../../../workflow/week-view.ts';
import type { Actor } from '../../../workflow/actor.ts';
import type { WorkflowDeps } from '../../../workflow/deps.ts';
import { SETTINGS_HELP } from '../../settings-args.ts';
import { settingsText as sharedSettingsText } from '../../../workflow/chat-texts.ts';
import { escapeMarkdown } from '../card-embeds.ts';

/** What `/greenlight` says, in Discord's markdown (times as `<t:…>`, shown in each reader's zone). */
export const HELP = [
  '**Greenlight**: draft with `/post`, approve on the card, published on time with receipts in the thread.',
  '`/greenlight queue`: what is scheduled this week, and what failed',
  '`/greenlight queue week:next` (or `prev`, `+2`, a date): a week as a calendar, with free slots',
  '`/greenlight slots [add|remove|suggest]`: weekly posting slots that "next slot" books (admins change)',
  '`/greenlight accounts`: connected social accounts and their health',
  '`/greenlight connect <network>`: connect an account (admins; ' + NETWORKS.join(', ') + ')',
  '`/greenlight settings [key=value ...]`: show or change settings (admins)',
  '`/greenlight pause` / `/greenlight resume`: hold every queued delivery / let them go (admins)',
  '`/greenlight besttime [network]`: the best times to post, from how earlier posts did',
  '`/greenlight webhooks add <url> [events] | list | remove <id>`: send events to your own URL, signed (admins)',
  '`/greenlight help`: this text',
].join('\n');

export async function queueText(deps: WorkflowDeps, actor: Actor, week?: string): Promise<string> {
  const now = deps.now();
  if (week !== undefined && week.trim() !== '') {
    const zone = (await findWorkspace(deps.db, actor.workspaceId))!.default_zone;
    const offset = parseWeekArg(week, zone, now);
    if (offset === undefined) return `⚠️ "${escapeMarkdown(week.slice(0, 40))}" is not a week: write \`next\`, \`prev\`, \`+2\` or a date in the week (2026-12-24).`;
    const view = await buildWeekView(deps, actor.workspaceId, zone, offset);
    return weekText(view, { bold: (t) => `**${t}**`, escape: escapeMarkdown, mention: (u) => `<@${u}>`, time: (at) => `<t:${Math.floor(at.getTime() / 1000)}:t>` });
  }
  const [upcoming, failures, free] = await Promise.all([
    upcomingPosts(deps.db, actor.workspaceId, now, 7),
    recentFailures(deps.db, actor.workspaceId, now, 7),
    freeSlots(deps, actor.workspaceId, now, new Date(now.getTime() + 7 * 86_400_000)),
  ]);
  const stamp = (at: Date) => `<t:${Math.floor(at.getTime() / 1000)}:f>`;
  const line = (p: QueueRow) => `• ${stamp(p.publish_at)} · ${p.state.replace('_', ' ')} · <@${p.author_id}>: ${escapeMarkdown(p.text.slice(0, 80))}${p.text.length > 80 ? '…' : ''}`;
  const freeLine = (f: { at: Date; accounts: string[] }) => `◻️ ${stamp(f.at)} · free slot: ${escapeMarkdown(f.accounts.join(', '))}`;
  return [
    `**This week** (${upcoming.length})`,
    ...(upcoming.length || free.length ? withFreeSlots(upcoming, free, line, freeLine) : ['Nothing scheduled.']),
    `**Failed in the last 7 days** (${failures.length})`,
    ...(failures.length ? failures.map(line) : ['None.']),
  ].join('\n');
}

export async function accountsText(deps: WorkflowDeps, actor: Actor): Promise<string> {
  const accounts = await listAccounts(deps.db, actor.workspaceId);
  if (accounts.length === 0) return 'No accounts connected yet. Use `/greenlight connect`.';
  const health = (a: (typeof accounts)[number]) => (a.status === 'connected' ? '✅ connected' : `🔌 needs reconnect${a.last_error ? ` (${escapeMarkdown(a.last_error)})` : ''}`);
  return accounts.map((a) => `• ${NETWORK_LABELS[a.network]} · ${escapeMarkdown(a.display_name)}: ${health(a)}`).join('\n');
}

export function settingsText(workspace: Workspace): string {
  return sharedSettingsText(workspace, { channel: (id) => `<#${id}>`, group: (id) => `<@&${id}>` }, SETTINGS_HELP.replace('approver_group=@group', 'approver_group=@Role'));
}
