import { listAccounts } from '../../../db/accounts.ts';
import { findWorkspace } from '../../../db/workspaces.ts';
import type { ComposeFile } from '../../../workflow/compose.ts';
import { commandFiles, targetMessage } from '../attachments.ts';
import { composeModal } from '../compose-modal.ts';
import { newDraft, rememberedZone } from '../compose-state.ts';
import { actorFor, optionValue, reply, type Turn } from '../edge-context.ts';
import { MODALS, customId } from '../ids.ts';

/**
 * `/post [text] [image1…image4]` (each an image or a video): opens the compose form (the modal is the initial response), pre-filled
 * with any text given. Attached images and videos are kept in a draft the form belongs to; their alt text is the
 * attachment's own description, and more is written in the images form of the next step.
 */
export async function postCommand(turn: Turn): Promise<void> {
  const text = optionValue(turn.interaction, 'text')?.trim();
  await openCompose(turn, text, commandFiles(turn.interaction));
}

/** "Draft a post" on a message (context menu): the form pre-filled with the message's text, images and video. */
export async function draftFromMessage(turn: Turn): Promise<void> {
  const target = targetMessage(turn.interaction);
  if (!target) return reply(turn, '⚠️ Discord did not send the message you picked. Try again, or copy its text into /post.');
  if (target.text.trim() === '' && target.files.length === 0) return reply(turn, '⚠️ That message has no text and no files to draft a post from.');
  await openCompose(turn, target.text.trim(), target.files);
}

async function openCompose(turn: Turn, text: string | undefined, files: ComposeFile[]): Promise<void> {
  const actor = await actorFor(turn);
  const db = turn.edge.deps.db;
  const [workspace, accounts] = await Promise.all([findWorkspace(db, actor.workspaceId), listAccounts(db, actor.workspaceId)]);
  if (accounts.length === 0) {
    return reply(turn, 'No social accounts are connected yet. An admin can connect one with `/greenlight connect` (x, mastodon, ...).');
  }
  const zone = await rememberedZone(db, actor, workspace!.default_zone);
  if (files.length === 0) return turn.respond(composeModal(MODALS.compose, 'New post', { text, zone, when: 'now' }));
  // The files live in a draft from the start: the form's submit finds them there.
  const input = { text: text ?? '', when: 'now', zone, media: [], note: null, accountIds: [], variants: {}, files };
  const draft = await newDraft(db, actor, { postId: null, channelId: turn.channelId, input });
  await turn.respond(composeModal(customId(MODALS.compose, draft.id), 'New post', input));
}
