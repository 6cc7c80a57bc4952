import { listPostFiles, type PostFileRow } from '../../../db/post-files.ts';
import { findPost } from '../../../db/posts.ts';
import type { ComposeFile } from '../../../workflow/compose.ts';
import { isEditable } from '../../../domain/post-state.ts';
import { cancelPost, publishNow, reschedulePost } from '../../../workflow/author-actions.ts';
import type { Actor } from '../../../workflow/actor.ts';
import type { WorkflowDeps } from '../../../workflow/deps.ts';
import type { Outcome } from '../../../workflow/outcome.ts';
import { escapeMarkdown } from '../card-embeds.ts';
import { WHEN_LIMIT, composeModal, modalValues, overLimit, singleFieldModal } from '../compose-modal.ts';
import { newDraft } from '../compose-state.ts';
import { actorFor, clip, deferEphemeral, deferUpdate, editReply, firstTime, reply, tell, type Turn } from '../edge-context.ts';
import { MODALS, customId } from '../ids.ts';
import { editPrefill } from '../../../workflow/chat-texts.ts';

/** Edit: the compose form pre-filled with the post as it is (its accounts and variants kept in the draft). */
export async function edit(turn: Turn, [postId = '']: string[]): Promise<void> {
  const actor = await actorFor(turn);
  const db = turn.edge.deps.db;
  const post = await findPost(db, postId);
  if (!post || post.workspace_id !== actor.workspaceId) return reply(turn, '⚠️ That post no longer exists.');
  if (post.author_id !== actor.userId) return reply(turn, `⚠️ Only the author (<@${post.author_id}>) can edit this post.`);
  if (!isEditable(post.state)) return reply(turn, `⚠️ This post is ${post.state.replace('_', ' ')}: it can no longer be edited.`);
  // The post's stored files come into the draft, so the images form can keep, describe or remove them.
  const input = { ...(await editPrefill(db, post)), files: storedFiles(await listPostFiles(db, post.id)) };
  const draft = await newDraft(db, actor, { postId: post.id, channelId: post.origin_channel_id, input });
  await turn.respond(composeModal(customId(MODALS.compose, draft.id), 'Edit post', input));
}

/** The post's files as compose files that point into the store (the form keeps them as they are). */
function storedFiles(rows: readonly PostFileRow[]): ComposeFile[] {
  return rows.map((row) => ({
    source: { chat: 'store', mediaId: row.id },
    filename: row.filename,
    contentType: row.content_type,
    bytes: Number(row.bytes),
    ...(row.width ? { width: row.width } : {}),
    ...(row.height ? { height: row.height } : {}),
    ...(row.alt ? { alt: row.alt } : {}),
  }));
}

export async function reschedule(turn: Turn, [postId = '']: string[]): Promise<void> {
  await turn.respond(
    singleFieldModal(customId(MODALS.reschedule, postId), {
      title: 'Reschedule',
      label: 'New publish time',
      max: WHEN_LIMIT,
      paragraph: false,
      placeholder: 'tomorrow 9am, fri 17:30, 2026-11-24 09:00',
    }),
  );
}

export async function rescheduleForm(turn: Turn, [postId = '']: string[]): Promise<void> {
  const values = modalValues(turn.interaction);
  const tooLong = overLimit(values, { value: WHEN_LIMIT });
  if (tooLong) return reply(turn, `⚠️ ${tooLong}`);
  await deferEphemeral(turn);
  if (!(await firstTime(turn))) return;
  const when = values.value ?? '';
  const outcome = await reschedulePost(turn.edge.deps, await actorFor(turn), postId, when);
  const content = outcome.ok
    ? 'Rescheduled: the card and its thread show the new time.'
    : `⚠️ ${outcome.message}\nWhat you typed: “${escapeMarkdown(when)}”. Press Reschedule on the card to try another time.`;
  await editReply(turn, { content: clip(content) });
}

/** Publish now and Cancel: acknowledged at once, the workflow's answer as an ephemeral follow-up. */
function simple(run: (deps: WorkflowDeps, actor: Actor, postId: string) => Promise<Outcome>) {
  return async (turn: Turn, [postId = '']: string[]): Promise<void> => {
    await deferUpdate(turn);
    if (!(await firstTime(turn))) return;
    await tell(turn, await run(turn.edge.deps, await actorFor(turn), postId));
  };
}

export const publishNowButton = simple(publishNow);
export const cancelButton = simple(cancelPost);
