import type { App, BlockButtonAction } from '@slack/bolt';
import { listAccounts } from '../../../db/accounts.ts';
import { findPost, } from '../../../db/posts.ts';
import { cancelPost, publishNow, reschedulePost } from '../../../workflow/author-actions.ts';
import type { Outcome } from '../../../workflow/outcome.ts';
import { composeModal, singleFieldModal } from '../compose-modal.ts';
import { actorFor, buttonArgs, requestTeam, tellUser, type SlackEdge } from '../edge-context.ts';
import { ACTIONS, VIEWS } from '../ids.ts';
import { editPrefill } from '../../../workflow/chat-texts.ts';

/** Edit (the compose form, pre-filled), Reschedule (a time form), Publish now, Cancel. */
export function registerAuthorActions(app: App, edge: SlackEdge): void {
  app.action<BlockButtonAction>(ACTIONS.edit, async ({ body, action, client }) => {
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
      view: composeModal(accounts, { mode: 'edit', postId: post.id, channelId: post.origin_channel_id }, prefill),
    });
  });

  app.action<BlockButtonAction>(ACTIONS.reschedule, async ({ body, action, client }) => {
    if (!(await buttonArgs(client, { channelId: body.channel?.id, userId: body.user.id }, action.value))) return;
    await client.views.open({
      trigger_id: body.trigger_id,
      view: singleFieldModal(VIEWS.reschedule, action.value ?? '', { title: 'Reschedule', label: 'New publish time', submit: 'Reschedule', placeholder: 'tomorrow 9am, fri 17:30, 2026-11-24 09:00', multiline: false }),
    });
  });

  app.view(VIEWS.reschedule, async ({ ack, body, view }) => {
    const { postId } = JSON.parse(view.private_metadata) as { postId: string };
    const actor = await actorFor(edge, requestTeam(body), body.user.id);
    const outcome = await reschedulePost(edge.deps, actor, postId, view.state.values.value?.value?.value ?? '');
    if (!outcome.ok) return ack({ response_action: 'errors', errors: { value: outcome.message } });
    return ack();
  });

  const simple: [string, (actorArgs: Parameters<typeof publishNow>) => Promise<Outcome>][] = [
    [ACTIONS.publishNow, (args) => publishNow(...args)],
    [ACTIONS.cancel, (args) => cancelPost(...args)],
  ];
  for (const [actionId, run] of simple) {
    app.action<BlockButtonAction>(actionId, async ({ body, action, client }) => {
      const where = { channelId: body.channel?.id, userId: body.user.id };
      const [postId] = (await buttonArgs(client, where, action.value)) ?? [];
      if (!postId) return;
      const actor = await actorFor(edge, requestTeam(body), body.user.id);
      const outcome = await run([edge.deps, actor, postId]);
      await tellUser(client, where, outcome);
    });
  }
}
