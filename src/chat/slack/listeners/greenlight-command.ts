import type { webApi } from '@slack/bolt';
import { bestTimeText } from '../../../workflow/analytics/best-time-text.ts';
import { listAccounts } from '../../../db/accounts.ts';
import { recentFailures, upcomingPosts, type QueueRow } from '../../../db/queue-view.ts';
import { findWorkspace } from '../../../db/workspaces.ts';
import { NETWORK_LABELS, NETWORKS } from '../../../domain/networks.ts';
import { formatInZone } from '../../../domain/publish-time.ts';
import { changeSettings, connectInvitation, pauseWorkspace, resumeWorkspace } from '../../../workflow/workspace-admin.ts';
import { webhooksCommand } from '../../../workflow/webhook-admin.ts';
import { buildWeekView, freeSlots, weekText, withFreeSlots } from '../../../workflow/week-view.ts';
import { parseWeekArg } from '../../../domain/posting-slots.ts';
import { slotsCommand } from '../../../workflow/slots.ts';
import type { Actor } from '../../../workflow/actor.ts';
import type { Outcome } from '../../../workflow/outcome.ts';
import { escape } from '../card-blocks.ts';
import { actorFor, type CommandHandler, requestTeam, type SlackEdge } from '../edge-context.ts';
import { parseSettings, SETTINGS_HELP } from '../../settings-args.ts';
import { settingsText } from '../../../workflow/chat-texts.ts';

export const HELP = [
  '*Greenlight* — draft with `/post`, approve on the card, published on time with receipts in the thread.',
  '`/greenlight queue` — what is scheduled this week, and what failed',
  '`/greenlight queue next` (or `prev`, `+2`, a date) — a week as a calendar, with free slots',
  '`/greenlight slots [add|remove|suggest]` — weekly posting slots that "next slot" books (admins change)',
  '`/greenlight accounts` — connected social accounts and their health',
  '`/greenlight connect <network>` — connect an account (admins; ' + NETWORKS.join(', ') + ')',
  '`/greenlight settings [key=value ...]` — show or change settings (admins)',
  '`/greenlight pause` / `/greenlight resume` — hold every queued delivery / let them go (admins)',
  '`/greenlight besttime [network]` — the best times to post, from how earlier posts did',
  '`/greenlight webhooks add <url> [events] | list | remove <id>` — send events to your own URL, signed (admins)',
  '`/greenlight help` — this text',
].join('\n');

/** `/greenlight <subcommand>`: every answer is ephemeral, except pause and resume, which are announced. */
export const greenlightCommand: CommandHandler = async (edge, { body, respond, client }) => {
    const actor = await actorFor(edge, requestTeam(body), body.user_id);
    const [sub = 'help', ...args] = body.text.trim().split(/\s+/).filter(Boolean);
    const reply = async (text: string) => {
      await respond({ response_type: 'ephemeral', text });
    };
    await run(edge, sub.toLowerCase(), args, actor, body.channel_id, reply, client);
};

async function run(edge: SlackEdge, sub: string, args: string[], actor: Actor, channelId: string, reply: (text: string) => Promise<void>, client: webApi.WebClient): Promise<void> {
  switch (sub) {
    case 'queue':
      return reply(await queueText(edge, actor, args[0]));
    case 'accounts':
      return reply(await accountsText(edge, actor));
    case 'connect': {
      const outcome = await connectInvitation(edge.deps, actor, args[0]);
      return reply(outcome.ok ? outcome.message! : `⚠️ ${outcome.message}`);
    }
    case 'settings':
      return settings(edge, actor, args, reply);
    case 'slots': {
      const outcome = await slotsCommand(edge.deps, actor, args);
      return reply(outcome.ok ? outcome.message ?? 'Done.' : `⚠️ ${outcome.message}`);
    }
    case 'webhooks': {
      const outcome = await webhooksCommand(edge.deps, actor, args);
      return reply(outcome.ok ? outcome.message ?? 'Done.' : `⚠️ ${outcome.message}`);
    }
    case 'besttime':
      return reply(await bestTimeText(edge.deps, actor.workspaceId, args[0]));
    case 'pause':
      return announceOutcome(edge, client, actor, await pauseWorkspace(edge.deps, actor), channelId, reply);
    case 'resume':
      return announceOutcome(edge, client, actor, await resumeWorkspace(edge.deps, actor), channelId, reply);
    case 'help':
      return reply(HELP);
    default:
      return reply(`I don't know \`${escape(sub)}\`.\n${HELP}`);
  }
}

async function queueText(edge: SlackEdge, actor: Actor, week: string | undefined): Promise<string> {
  const now = edge.deps.now();
  const zone = (await findWorkspace(edge.deps.db, actor.workspaceId))!.default_zone;
  if (week !== undefined) {
    const offset = parseWeekArg(week, zone, now);
    if (offset === undefined) return `⚠️ "${escape(week.slice(0, 40))}" is not a week: write \`/greenlight queue next\`, \`prev\`, \`+2\` or a date in the week (2026-12-24).`;
    return weekText(await buildWeekView(edge.deps, actor.workspaceId, zone, offset), { bold: (t) => `*${t}*`, escape, mention: (u) => `<@${u}>` });
  }
  const [upcoming, failures, free] = await Promise.all([
    upcomingPosts(edge.deps.db, actor.workspaceId, now, 7),
    recentFailures(edge.deps.db, actor.workspaceId, now, 7),
    freeSlots(edge.deps, actor.workspaceId, now, new Date(now.getTime() + 7 * 86_400_000)),
  ]);
  const line = (p: QueueRow) => `• ${formatInZone(p.publish_at, p.zone)} — ${p.state.replace('_', ' ')} — <@${p.author_id}>: ${escape(p.text.slice(0, 80))}${p.text.length > 80 ? '…' : ''}`;
  const freeLine = (f: { at: Date; accounts: string[] }) => `◻️ ${formatInZone(f.at, zone)} — free slot: ${escape(f.accounts.join(', '))}`;
  return [
    `*This week* (${upcoming.length})`,
    ...(upcoming.length || free.length ? withFreeSlots(upcoming, free, line, freeLine) : ['Nothing scheduled.']),
    `*Failed in the last 7 days* (${failures.length})`,
    ...(failures.length ? failures.map(line) : ['None.']),
  ].join('\n');
}

async function accountsText(edge: SlackEdge, actor: Actor): Promise<string> {
  const accounts = await listAccounts(edge.deps.db, actor.workspaceId);
  if (accounts.length === 0) return 'No accounts connected yet. Use `/greenlight connect <network>`.';
  return accounts
    .map((a) => `• ${NETWORK_LABELS[a.network]} · ${escape(a.display_name)} — ${a.status === 'connected' ? '✅ connected' : `🔌 needs reconnect${a.last_error ? ` (${escape(a.last_error)})` : ''}`}`)
    .join('\n');
}

async function settings(edge: SlackEdge, actor: Actor, args: string[], reply: (text: string) => Promise<void>): Promise<void> {
  const workspace = (await findWorkspace(edge.deps.db, actor.workspaceId))!;
  if (args.length === 0) {
    await reply(settingsText(workspace, { channel: (id) => `<#${id}>`, group: (id) => `<!subteam^${id}>` }, SETTINGS_HELP));
    return;
  }
  const parsed = parseSettings(args.join(' '));
  if (!parsed.ok) {
    await reply(`⚠️ ${parsed.message}\n${SETTINGS_HELP}`);
    return;
  }
  const outcome = await changeSettings(edge.deps, actor, parsed.settings);
  await reply(outcome.ok ? outcome.message ?? 'Saved.' : `⚠️ ${outcome.message}`);
}

async function announceOutcome(edge: SlackEdge, client: webApi.WebClient, actor: Actor, outcome: Outcome, channelId: string, reply: (text: string) => Promise<void>): Promise<void> {
  if (!outcome.ok) {
    await reply(`⚠️ ${outcome.message}`);
    return;
  }
  const workspace = (await findWorkspace(edge.deps.db, actor.workspaceId))!;
  await client.chat.postMessage({ channel: workspace.approvals_channel_id ?? channelId, text: `<@${actor.userId}>: ${outcome.message}` });
}
