import { bestTimeText } from '../../../workflow/analytics/best-time-text.ts';
import { findWorkspace } from '../../../db/workspaces.ts';
import { changeSettings, connectInvitation, pauseWorkspace, resumeWorkspace } from '../../../workflow/workspace-admin.ts';
import type { Actor } from '../../../workflow/actor.ts';
import type { Outcome } from '../../../workflow/outcome.ts';
import { webhooksCommand } from '../../../workflow/webhook-admin.ts';
import { slotsCommand } from '../../../workflow/slots.ts';
import { SETTINGS_HELP, parseSettings } from '../../settings-args.ts';
import { actorFor, clip, deferEphemeral, editReply, firstTime, optionValue, type Turn } from '../edge-context.ts';
import { accountsText, queueText } from '../../../workflow/chat-texts.ts';
import { ANSWER_FORMAT, HELP, settingsText } from './greenlight-text.ts';

/**
 * `/greenlight <subcommand>`: answered "thinking…" at once, then ephemerally; pause and resume are
 * also announced in the approvals channel, because they change what happens to everyone's posts.
 */
export async function greenlightCommand(turn: Turn): Promise<void> {
  await deferEphemeral(turn);
  if (!(await firstTime(turn))) return;
  const actor = await actorFor(turn);
  const sub = turn.interaction.data?.options?.[0]?.name ?? 'help';
  await editReply(turn, { content: clip(await answer(turn, actor, sub)) });
}

async function answer(turn: Turn, actor: Actor, sub: string): Promise<string> {
  const { deps } = turn.edge;
  switch (sub) {
    case 'queue':
      return queueText(deps, actor, optionValue(turn.interaction, 'week'), ANSWER_FORMAT);
    case 'accounts':
      return accountsText(deps, actor, ANSWER_FORMAT);
    case 'connect':
      return said(await connectInvitation(deps, actor, optionValue(turn.interaction, 'network')));
    case 'settings':
      return settings(turn, actor, optionValue(turn.interaction, 'text') ?? '');
    case 'slots':
      return said(await slotsCommand(deps, actor, (optionValue(turn.interaction, 'text') ?? '').trim().split(/\s+/).filter(Boolean)));
    case 'webhooks':
      return said(await webhooksCommand(deps, actor, (optionValue(turn.interaction, 'text') ?? '').trim().split(/\s+/).filter(Boolean)));
    case 'besttime':
      return bestTimeText(deps, actor.workspaceId, optionValue(turn.interaction, 'network'));
    case 'pause':
      return announced(turn, actor, await pauseWorkspace(deps, actor));
    case 'resume':
      return announced(turn, actor, await resumeWorkspace(deps, actor));
    case 'help':
      return HELP;
    default:
      return `I don't know \`${sub.slice(0, 40)}\`.\n${HELP}`;
  }
}

async function settings(turn: Turn, actor: Actor, text: string): Promise<string> {
  const workspace = (await findWorkspace(turn.edge.deps.db, actor.workspaceId))!;
  if (text.trim() === '') return settingsText(workspace);
  const parsed = parseSettings(text);
  if (!parsed.ok) return `⚠️ ${parsed.message}\n${SETTINGS_HELP}`;
  return said(await changeSettings(turn.edge.deps, actor, parsed.settings));
}

function said(outcome: Outcome): string {
  return outcome.ok ? (outcome.message ?? 'Done.') : `⚠️ ${outcome.message}`;
}

async function announced(turn: Turn, actor: Actor, outcome: Outcome): Promise<string> {
  if (!outcome.ok) return `⚠️ ${outcome.message}`;
  const workspace = (await findWorkspace(turn.edge.deps.db, actor.workspaceId))!;
  await turn.edge.deps.chats.discord?.announce(workspace, workspace.approvals_channel_id ?? turn.channelId, `<@${actor.userId}>: ${outcome.message}`);
  return outcome.message ?? 'Done.';
}
