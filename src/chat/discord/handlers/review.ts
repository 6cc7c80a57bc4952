import { findPost } from '../../../db/posts.ts';
import { isNetwork } from '../../../domain/networks.ts';
import { isAwaitingDecision } from '../../../domain/post-state.ts';
import { decidePost, type Decision } from '../../../workflow/decide-post.ts';
import { COMMENT_LIMIT, modalValues, overLimit, singleFieldModal } from '../compose-modal.ts';
import { escapeMarkdown } from '../card-embeds.ts';
import { actorFor, clip, deferEphemeral, deferUpdate, editReply, firstTime, reply, tell, type Turn } from '../edge-context.ts';
import { MODALS, customId } from '../ids.ts';

/** Approve acts at once; the workflow refuses a stale card (its hash prefix no longer matches). */
export async function approve(turn: Turn, [postId = '', seenHash = '']: string[]): Promise<void> {
  await deferUpdate(turn);
  if (!(await firstTime(turn))) return;
  const outcome = await decidePost(turn.edge.deps, await actorFor(turn), postId, { kind: 'approve', seenHash });
  await tell(turn, outcome);
}

/** "Approve, but hold…": the picked networks are held, the rest approved. Values that are not networks are refused. */
export async function approveHolding(turn: Turn, [postId = '', seenHash = '']: string[]): Promise<void> {
  const values = turn.interaction.data?.values ?? [];
  if (values.length === 0 || !values.every(isNetwork)) return reply(turn, '⚠️ Pick the networks to hold from the menu on the card.');
  await deferUpdate(turn);
  if (!(await firstTime(turn))) return;
  const outcome = await decidePost(turn.edge.deps, await actorFor(turn), postId, { kind: 'approve', seenHash, hold: values });
  await tell(turn, outcome);
}

/** Request changes and Reject open a form for the comment or reason, unless the post has moved on. */
export function requestChanges(turn: Turn, [postId = '']: string[]): Promise<void> {
  return openDecisionForm(turn, postId, customId(MODALS.requestChanges, postId), { title: 'Request changes', label: 'What should change?' });
}

export function reject(turn: Turn, [postId = '']: string[]): Promise<void> {
  return openDecisionForm(turn, postId, customId(MODALS.reject, postId), { title: 'Reject post', label: 'Reason (the author sees it)' });
}

async function openDecisionForm(turn: Turn, postId: string, formId: string, o: { title: string; label: string }): Promise<void> {
  const actor = await actorFor(turn);
  const post = await findPost(turn.edge.deps.db, postId);
  if (!post || post.workspace_id !== actor.workspaceId) return reply(turn, '⚠️ That post no longer exists.');
  if (!isAwaitingDecision(post.state))
    return reply(turn, `⚠️ This post is ${post.state.replace('_', ' ')} and no longer waiting for a decision: the card shows where it is.`);
  await turn.respond(singleFieldModal(formId, { title: o.title, label: o.label, max: COMMENT_LIMIT }));
}

export function requestChangesForm(turn: Turn, args: string[]): Promise<void> {
  return decideFromForm(turn, args[0] ?? '', 'request_changes');
}

export function rejectForm(turn: Turn, args: string[]): Promise<void> {
  return decideFromForm(turn, args[0] ?? '', 'reject');
}

/** The comment or reason arrives: the decision is taken, and the approver is told how it went. */
async function decideFromForm(turn: Turn, postId: string, kind: 'request_changes' | 'reject'): Promise<void> {
  const values = modalValues(turn.interaction);
  const tooLong = overLimit(values, { value: COMMENT_LIMIT });
  if (tooLong) return reply(turn, `⚠️ ${tooLong}`);
  await deferEphemeral(turn);
  if (!(await firstTime(turn))) return;
  const text = values.value ?? '';
  const decision: Decision = kind === 'reject' ? { kind, reason: text } : { kind, comment: text };
  const outcome = await decidePost(turn.edge.deps, await actorFor(turn), postId, decision);
  if (outcome.ok) {
    return editReply(turn, {
      content: kind === 'reject' ? 'Rejected. The reason is in the card’s thread.' : 'Sent to the author. Your comment is in the card’s thread.',
    });
  }
  // Nothing typed is lost: the refusal shows it back.
  const echo = text.trim() ? `\nWhat you wrote: “${escapeMarkdown(text.trim())}”` : '';
  await editReply(turn, { content: clip(`⚠️ ${outcome.message}${echo}`) });
}
