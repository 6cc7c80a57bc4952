import type { webApi } from '@slack/bolt';
import { bestTimeText } from '../../../workflow/analytics/best-time-text.ts';
import { findWorkspace } from '../../../db/workspaces.ts';
import { NETWORKS } from '../../../domain/networks.ts';
import { formatInZone } from '../../../domain/publish-time.ts';
import { changeSettings, connectInvitation, pauseWorkspace, resumeWorkspace } from '../../../workflow/workspace-admin.ts';
import { webhooksCommand } from '../../../workflow/webhook-admin.ts';
import { slotsCommand } from '../../../workflow/slots.ts';
import type { Actor } from '../../../workflow/actor.ts';
import type { Outcome } from '../../../workflow/outcome.ts';
import { escape } from '../card-blocks.ts';
import { actorFor, type CommandHandler, requestTeam, type SlackEdge } from '../edge-context.ts';
import { parseSettings, SETTINGS_HELP } from '../../settings-args.ts';
import { accountsText, type AnswerFormat, queueText, settingsText } from '../../../workflow/chat-texts.ts';

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

async function run(
  edge: SlackEdge,
  sub: string,
  args: string[],
  actor: Actor,
  channelId: string,
  reply: (text: string) => Promise<void>,
  client: webApi.WebClient,
): Promise<void> {
  switch (sub) {
    case 'queue':
      return reply(await queueText(edge.deps, actor, args[0], ANSWER_FORMAT));
    case 'accounts':
      return reply(await accountsText(edge.deps, actor, ANSWER_FORMAT));
    case 'connect': {
      const outcome = await connectInvitation(edge.deps, actor, args[0]);
      return reply(outcome.ok ? outcome.message! : `⚠️ ${outcome.message}`);
    }
    case 'settings':
      return settings(edge, actor, args, reply);
    case 'slots': {
      const outcome = await slotsCommand(edge.deps, actor, args);
      return reply(outcome.ok ? (outcome.message ?? 'Done.') : `⚠️ ${outcome.message}`);
    }
    case 'webhooks': {
      const outcome = await webhooksCommand(edge.deps, actor, args);
      return reply(outcome.ok ? (outcome.message ?? 'Done.') : `⚠️ ${outcome.message}`);
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

/** Slack's mrkdwn for the shared answers: times in the post's (or the workspace's) zone. */
const ANSWER_FORMAT: AnswerFormat = {
  bold: (t) => `*${t}*`,
  escape,
  mention: (u) => `<@${u}>`,
  stamp: (at, zone) => formatInZone(at, zone),
  separator: ' — ',
  healthSeparator: ' — ',
  weekExamples: '`/greenlight queue next`, `prev`, `+2`',
  connectCommand: '`/greenlight connect <network>`',
};

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
  await reply(outcome.ok ? (outcome.message ?? 'Saved.') : `⚠️ ${outcome.message}`);
}

async function announceOutcome(
  edge: SlackEdge,
  client: webApi.WebClient,
  actor: Actor,
  outcome: Outcome,
  channelId: string,
  reply: (text: string) => Promise<void>,
): Promise<void> {
  if (!outcome.ok) {
    await reply(`⚠️ ${outcome.message}`);
    return;
  }
  const workspace = (await findWorkspace(edge.deps.db, actor.workspaceId))!;
  await client.chat.postMessage({ channel: workspace.approvals_channel_id ?? channelId, text: `<@${actor.userId}>: ${outcome.message}` });
}
