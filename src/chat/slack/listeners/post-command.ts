import { bestTimeHint } from '../../../workflow/analytics/best-time-text.ts';
import { listAccounts } from '../../../db/accounts.ts';
import { findWorkspace } from '../../../db/workspaces.ts';
import { composeModal } from '../compose-modal.ts';
import { actorFor, type CommandHandler, requestTeam, userZone } from '../edge-context.ts';

/** `/post [text]`: opens the compose form, pre-filled with any text typed after the command. */
export const postCommand: CommandHandler = async (edge, { body, client, respond }) => {
  const actor = await actorFor(edge, requestTeam(body), body.user_id);
  const workspace = (await findWorkspace(edge.deps.db, actor.workspaceId))!;
  const accounts = (await listAccounts(edge.deps.db, workspace.id)).filter((a) => a.status !== 'disconnected');
  if (accounts.length === 0) {
    await respond({
      response_type: 'ephemeral',
      text: 'No social accounts are connected yet. An admin can connect one with `/greenlight connect <network>` (x, mastodon, ...).',
    });
    return;
  }
  const zone = await userZone(client, body.user_id, workspace.default_zone);
  const bestTimes = await bestTimeHint(
    edge.deps,
    workspace.id,
    accounts.map((a) => a.network),
    zone,
  ).catch((error: unknown) => {
    edge.deps.log.warn({ err: error, workspaceId: workspace.id }, 'best times for the compose form failed; the form opens without them');
    return undefined;
  });
  await client.views.open({
    trigger_id: body.trigger_id,
    view: composeModal(accounts, { mode: 'new', channelId: body.channel_id }, { zone, text: body.text.trim() || undefined }, { bestTimes }),
  });
};
