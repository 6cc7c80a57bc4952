import { listAccounts } from '../../../db/accounts.ts';
import { findPost } from '../../../db/posts.ts';
import { cancelPost, publishNow, reschedulePost } from '../../../workflow/author-actions.ts';
import type { Outcome } from '../../../workflow/outcome.ts';
import { composeModal, singleFieldModal } from '../compose-modal.ts';
import { type ActionHandler, actorFor, buttonArgs, requestTeam, tellUser, type ViewHandler } from '../edge-context.ts';
import { VIEWS } from '../ids.ts';
import { editPrefill } from '../../../workflow/chat-texts.ts';

// The author's buttons: Edit (the compose form, pre-filled), Reschedule (a time form), Publish now, Cancel.

export const edit: ActionHandler = async (edge, { body, action, client }) => {
  const where = { channelId: body.channel?.id, userId: body.user.id };
  const [postId] = (await buttonArgs(client, where, action.value)) ?? [];
  if (!postId) return;
  const actor = await actorFor(edge, requestTeam(body), body.user.id);
  const post = await findPost(edge.deps.db, postId);
  if (!post || post.workspace_id !== actor.workspaceId) return tellUser(client, where, { ok: false, message: 'That post no longer exists.' });
  if (post.author_id !== actor.userId) return tellUser(client, where, { ok: false, message: `Only the author (<@${post.author_id}>) can edit this post.` });
  const [accounts, prefill] = await Promise.all([listAccounts(edge.deps.db, actor.workspaceId), editPrefill(edge.deps.db, post)]);
  await client.views.open({
    trigger_id: body.trigger_id,
    view: composeModal(
      accounts,
      {
        mode: 'edit',
        postId: post.id,
        channelId: post.origin_channel_id,
        ...(prefill.files.length > 0 ? { keep: prefill.files.flatMap((f) => (f.source.chat === 'store' ? [f.source.mediaId] : [])) } : {}),
      },
      prefill,
    ),
  });
};

export const reschedule: ActionHandler = async (_edge, { body, action, client }) => {
  if (!(await buttonArgs(client, { channelId: body.channel?.id, userId: body.user.id }, action.value))) return;
  await client.views.open({
    trigger_id: body.trigger_id,
    view: singleFieldModal(VIEWS.reschedule, action.value ?? '', {
      title: 'Reschedule',
      label: 'New publish time',
      submit: 'Reschedule',
      placeholder: 'tomorrow 9am, fri 17:30, 2026-11-24 09:00',
      multiline: false,
    }),
  });
};

export const rescheduleForm: ViewHandler = async (edge, { ack, body, view }) => {
  const { postId } = JSON.parse(view.private_metadata) as { postId: string };
  const actor = await actorFor(edge, requestTeam(body), body.user.id);
  const outcome = await reschedulePost(edge.deps, actor, postId, view.state.values.value?.value?.value ?? '');
  if (!outcome.ok) return ack({ response_action: 'errors', errors: { value: outcome.message } });
  return ack();
};

/** A button that acts on its post at once and tells the clicker the outcome. */
function postButton(run: (actorArgs: Parameters<typeof publishNow>) => Promise<Outcome>): ActionHandler {
  return async (edge, { body, action, client }) => {
    const where = { channelId: body.channel?.id, userId: body.user.id };
    const [postId] = (await buttonArgs(client, where, action.value)) ?? [];
    if (!postId) return;
    const actor = await actorFor(edge, requestTeam(body), body.user.id);
    const outcome = await run([edge.deps, actor, postId]);
    await tellUser(client, where, outcome);
  };
}

export const publishNowButton = postButton((args) => publishNow(...args));
export const cancelButton = postButton((args) => cancelPost(...args));
