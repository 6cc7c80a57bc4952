import type { App, webApi } from '@slack/bolt';
import { appHomeLists, type HomeRow } from '../../../db/queue-view.ts';
import { findWorkspace } from '../../../db/workspaces.ts';
import { formatInZone } from '../../../domain/publish-time.ts';
import type { Actor } from '../../../workflow/actor.ts';
import { buildWeekView, dayLines } from '../../../workflow/week-view.ts';
import { escape } from '../card-blocks.ts';
import { type ActionHandler, actorFor, requestTeam, type SlackEdge } from '../edge-context.ts';
import { HOME_WEEK_ACTIONS } from '../ids.ts';

/** The calendar goes no further than this many weeks either way. */
const MAX_WEEKS = 52;
/** Slack refuses a section text over 3,000 characters. */
const SECTION_LIMIT = 3000;

/** The App Home tab: the week's calendar, my drafts, waiting for my approval, failures. */
export function registerAppHomeOpened(app: App, edge: SlackEdge): void {
  app.event('app_home_opened', async ({ event, body, client }) => {
    if (event.tab !== 'home') return;
    const actor = await actorFor(edge, requestTeam(body as { team_id?: string; enterprise_id?: string }), event.user);
    await publishHome(edge, client, actor, 0);
  });
}

/** The week calendar's buttons (HOME_WEEK_ACTIONS): the value is the week to show, in weeks from the current one. */
export const homeWeek: ActionHandler = async (edge, { body, action, client }) => {
  const actor = await actorFor(edge, requestTeam(body), body.user.id);
  const value = Number(action.value);
  await publishHome(edge, client, actor, Number.isInteger(value) ? Math.max(-MAX_WEEKS, Math.min(MAX_WEEKS, value)) : 0);
};

async function publishHome(edge: SlackEdge, client: webApi.WebClient, actor: Actor, offset: number): Promise<void> {
  const workspace = (await findWorkspace(edge.deps.db, actor.workspaceId))!;
  const roles = await edge.deps.chats.slack?.roles(workspace, actor.userId);
  const [lists, week] = await Promise.all([
    appHomeLists(edge.deps.db, actor.workspaceId, actor.userId, edge.deps.now()),
    buildWeekView(edge.deps, actor.workspaceId, workspace.default_zone, offset),
  ]);
  const section = (title: string, rows: HomeRow[], empty: string) => [
    { type: 'header' as const, text: { type: 'plain_text' as const, text: title } },
    { type: 'section' as const, text: { type: 'mrkdwn' as const, text: rows.length ? rows.map(line).join('\n') : `_${empty}_` } },
  ];
  const title = offset === 0 ? 'This week' : offset === 1 ? 'Next week' : offset === -1 ? 'Last week' : 'Week';
  const format = {
    bold: (t: string) => `*${t}*`,
    escape,
    mention: (u: string) => `<@${u}>`,
    cardLink: (p: { channel_id: string | null; message_id: string | null }) => cardLink(p),
  };
  await client.views.publish({
    user_id: actor.userId,
    view: {
      type: 'home',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: `${title}: ${week.days[0]!.label} to ${week.days[6]!.label}` } },
        {
          type: 'context',
          elements: [{ type: 'mrkdwn', text: `Times in ${week.zone}. ◻️ is a free posting slot: type "next slot" as the publish time to take the first one.` }],
        },
        {
          type: 'actions',
          block_id: 'home_week',
          elements: [
            { type: 'button', action_id: HOME_WEEK_ACTIONS.prev, text: { type: 'plain_text', text: '◀ Previous week' }, value: String(offset - 1) },
            { type: 'button', action_id: HOME_WEEK_ACTIONS.today, text: { type: 'plain_text', text: 'Today' }, value: '0' },
            { type: 'button', action_id: HOME_WEEK_ACTIONS.next, text: { type: 'plain_text', text: 'Next week ▶' }, value: String(offset + 1) },
          ],
        },
        ...week.days.map((day) => ({
          type: 'section' as const,
          text: { type: 'mrkdwn' as const, text: clip([`*${day.label}*`, ...dayLines(day, week.zone, format)].join('\n')) },
        })),
        { type: 'divider' },
        ...section('My drafts and posts in review', lists.mine, 'Nothing of yours is waiting. Start one with /post.'),
        ...(roles?.approver ? section('Waiting for my approval', lists.toApprove, 'Nothing to approve.') : []),
        ...section('Failed in the last 7 days', lists.failed, 'No failures.'),
      ],
    },
  });
}

function clip(text: string): string {
  if (text.length <= SECTION_LIMIT) return text;
  const cut = text.slice(0, SECTION_LIMIT - 20);
  return `${cut.slice(0, cut.lastIndexOf('\n'))}\n… and more`;
}

function cardLink(row: { channel_id: string | null; message_id: string | null }): string {
  return row.channel_id && row.message_id ? ` <https://slack.com/archives/${row.channel_id}/p${row.message_id.replace('.', '')}|card>` : '';
}

function line(row: HomeRow): string {
  return `• ${formatInZone(row.publish_at, row.zone)} — ${row.state.replace('_', ' ')} — ${escape(row.text.slice(0, 70))}${row.text.length > 70 ? '…' : ''}${cardLink(row)}`;
}
