import { findWorkspace } from '../../../db/workspaces.ts';
import { editPost } from '../../../workflow/author-actions.ts';
import { submitPost } from '../../../workflow/submit-post.ts';
import { findDraft } from '../../../db/compose-drafts.ts';
import type { Actor } from '../../../workflow/actor.ts';
import type { ComposeFile } from '../../../workflow/compose.ts';
import { readCompose, type ComposeMetadata } from '../compose-modal.ts';
import { actorFor, requestTeam, type ViewHandler } from '../edge-context.ts';

/**
 * The compose form's submission. Validation answers in the ack, as field errors on the form, so the
 * author fixes them in place; a valid form closes and the card appears in the approvals channel.
 */
export const composeSubmit: ViewHandler = async (edge, { ack, body, view }) => {
  const actor = await actorFor(edge, requestTeam(body), body.user.id);
  const workspace = (await findWorkspace(edge.deps.db, actor.workspaceId))!;
  const metadata = JSON.parse(view.private_metadata || '{}') as ComposeMetadata;
  const input = readCompose(view.state.values as never, workspace.default_zone, await attachedFiles(edge, actor, metadata));
  const result =
    metadata.mode === 'edit' && metadata.postId
      ? await editPost(edge.deps, actor, metadata.postId, input)
      : await submitPost(edge.deps, actor, input, metadata.channelId);
  if (result.ok) return ack();
  if ('errors' in result)
    return ack({
      response_action: 'errors',
      errors: onVisibleBlocks(
        result.errors,
        view.blocks.map((b) => b.block_id ?? ''),
      ),
    });
  return ack({ response_action: 'errors', errors: { text: result.message } });
};

/**
 * Files attached before the form opened: Edit's stored ones (their facts are read from the store by
 * the workflow), or the message's that "Draft a post from this message" kept in a compose draft.
 */
async function attachedFiles(edge: Parameters<ViewHandler>[0], actor: Actor, metadata: ComposeMetadata): Promise<ComposeFile[]> {
  if (metadata.keep?.length) return metadata.keep.map((mediaId) => ({ source: { chat: 'store' as const, mediaId }, filename: '', contentType: '', bytes: 0 }));
  if (metadata.draftId) {
    const draft = await findDraft(edge.deps.db, metadata.draftId, { workspaceId: actor.workspaceId, userId: actor.userId });
    return (draft?.input.files as ComposeFile[] | undefined) ?? [];
  }
  return [];
}

/** Slack refuses errors for blocks the form does not have; those go on the text field instead. */
function onVisibleBlocks(errors: Record<string, string | undefined>, blockIds: string[]): Record<string, string> {
  const shown: Record<string, string> = {};
  for (const [field, message] of Object.entries(errors)) {
    if (!message) continue;
    const block = blockIds.includes(field) ? field : 'text';
    shown[block] = shown[block] ? `${shown[block]} ${message}` : message;
  }
  return shown;
}
