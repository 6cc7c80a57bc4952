import type { MessageShortcut } from '@slack/bolt';
import { listAccounts } from '../../../db/accounts.ts';
import { insertDraft } from '../../../db/compose-drafts.ts';
import { findWorkspace } from '../../../db/workspaces.ts';
import { MAX_COMPOSE_FILES } from '../../../workflow/compose-files.ts';
import { composeFileOf, composeModal, type SlackFile } from '../compose-modal.ts';
import { actorFor, requestTeam, type ShortcutHandler, tellUser, userZone } from '../edge-context.ts';

/**
 * The message shortcut "Draft a post" (callback_id draft_from_message): the compose form opened with
 * the message's text and its files (a team's usual way: someone shares a draft and a picture in a
 * channel). A file_input cannot be pre-filled, so the message's files wait in a compose draft until
 * the form is sent (ComposeMetadata.draftId); files picked in the form replace them.
 */
export const draftFromMessage: ShortcutHandler = async (edge, { ack, shortcut, client }) => {
  await ack();
  const body = shortcut as MessageShortcut;
  const where = { channelId: body.channel.id, userId: body.user.id };
  const actor = await actorFor(edge, requestTeam(body as never), body.user.id);
  const workspace = (await findWorkspace(edge.deps.db, actor.workspaceId))!;
  const accounts = (await listAccounts(edge.deps.db, workspace.id)).filter((a) => a.status !== 'disconnected');
  if (accounts.length === 0)
    return tellUser(client, where, {
      ok: false,
      message: 'No social accounts are connected yet. An admin can connect one with `/greenlight connect <network>`.',
    });
  const message = body.message as { text?: string; files?: SlackFile[] };
  const files = (message.files ?? []).flatMap((f) => composeFileOf(f) ?? []).slice(0, MAX_COMPOSE_FILES);
  const draft =
    files.length > 0
      ? await insertDraft(edge.deps.db, { workspaceId: workspace.id, userId: actor.userId, postId: null, channelId: body.channel.id, input: { files } })
      : undefined;
  const zone = await userZone(client, body.user.id, workspace.default_zone);
  await client.views.open({
    trigger_id: body.trigger_id,
    view: composeModal(
      accounts,
      { mode: 'new', channelId: body.channel.id, ...(draft ? { draftId: draft.id } : {}) },
      { zone, text: message.text?.trim() || undefined, files },
    ),
  });
};
