import type { App } from '@slack/bolt';
import { appHomeLists, type HomeRow } from '../../../db/queue-view.ts';
import { findWorkspace } from '../../../db/workspaces.ts';
import { formatInZone } from '../../../domain/publish-time.ts';
import { escape } from '../card-blocks.ts';
import { actorFor, requestTeam, type SlackEdge } from '../edge-context.ts';

/** The App Home tab: my drafts, waiting for my approval, scheduled this week, failures. */
export function registerAppHome(app: App, edge: SlackEdge): void {
  app.event('app_home_opened', async ({ event, body, client }) => {
    if (event.tab !== 'home') return;
    const actor = await actorFor(edge, requestTeam(body as { team_id?: string; enterprise_id?: string }), event.user);
    const workspace = (await findWorkspace(edge.deps.db, actor.workspaceId))!;
    const roles = await edge.deps.chats.slack?.roles(workspace, event.user);
    const lists = await appHomeLists(edge.deps.db, actor.workspaceId, event.user, edge.deps.now());
    const section = (title: string, rows: HomeRow[], empty: string) => [
      { type: 'header' as const, text: { type: 'plain_text' as const, text: title } },
      { type: 'section' as const, text: { type: 'mrkdwn' as const, text: rows.length ? rows.map(line).join('\n') : `_${empty}_` } },
    ];
    await client.views.publish({
      user_id: event.user,
      view: {
        type: 'home',
        blocks: [
          ...section('My drafts and posts in review', lists.mine, 'Nothing of yours is waiting. Start one with /post.'),
          ...(roles?.approver ? section('Waiting for my approval', lists.toApprove, 'Nothing to approve.') : []),
          ...section('Scheduled this week', lists.scheduled, 'Nothing scheduled.'),
          ...section('Failed in the last 7 days', lists.failed, 'No failures.'),
        ],
      },
    });
  });
}

function line(row: HomeRow): string {
  const link = row.channel_id && row.message_id ? ` <https://slack.com/archives/${row.channel_id}/p${row.message_id.replace('.', '')}|card>` : '';
  return `• ${formatInZone(row.publish_at, row.zone)} — ${row.state.replace('_', ' ')} — ${escape(row.text.slice(0, 70))}${row.text.length > 70 ? '…' : ''}${link}`;
}
