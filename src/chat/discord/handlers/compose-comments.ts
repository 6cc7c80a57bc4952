import { listAccounts } from '../../../db/accounts.ts';
import type { SocialAccount } from '../../../db/schema.ts';
import { takesFirstComment } from '../../../domain/first-comment.ts';
import type { Network } from '../../../domain/networks.ts';
import { expiredMessage, targetsStep } from '../compose-messages.ts';
import { COMMENT_FIELD_LIMIT, VERSIONS_PER_FORM, commentValues, firstCommentsModal, modalValues, overLimit } from '../compose-modal.ts';
import { loadDraft, saveDraft, type Draft } from '../compose-state.ts';
import { actorFor, deferEphemeral, deferUpdate, editReply, firstTime, reply, type Turn } from '../edge-context.ts';
import { MODALS, customId } from '../ids.ts';
import { chosenNetworks } from './compose-versions.ts';

/** The picked networks that take a first comment (issue 16), in Greenlight's order. */
export function commentNetworks(draft: Draft, accounts: readonly SocialAccount[]): Network[] {
  return chosenNetworks(draft, accounts).filter(takesFirstComment);
}

/** "First comments" (the first five such networks) and "More first comments" (the rest) on the account step. */
export function composeComments(part: 0 | 1) {
  return async (turn: Turn, [draftId]: string[]): Promise<void> => {
    const actor = await actorFor(turn);
    const db = turn.edge.deps.db;
    const draft = await loadDraft(db, actor, draftId);
    if (!draft) return reply(turn, expiredMessage(undefined).content!);
    const networks = commentNetworks(draft, await listAccounts(db, actor.workspaceId)).slice(part * VERSIONS_PER_FORM, (part + 1) * VERSIONS_PER_FORM);
    if (networks.length === 0) return reply(turn, '⚠️ Pick the accounts first: each of their networks that takes a first comment then gets a field.');
    await turn.respond(firstCommentsModal(customId(MODALS.composeComments, draft.id), networks, draft.input.comments ?? {}));
  };
}

/** The first comments form's submit: the comments kept in the draft (an empty field removes one), the step again. */
export async function composeCommentsSubmit(turn: Turn, [draftId]: string[]): Promise<void> {
  const values = modalValues(turn.interaction);
  const tooLong = overLimit(values, Object.fromEntries(Object.keys(values).map((k) => [k, COMMENT_FIELD_LIMIT])));
  if (tooLong) return reply(turn, `⚠️ ${tooLong}`);
  await deferEphemeral(turn);
  if (!(await firstTime(turn))) return;
  const actor = await actorFor(turn);
  const db = turn.edge.deps.db;
  const draft = await loadDraft(db, actor, draftId);
  if (!draft) return editReply(turn, expiredMessage(undefined));
  const comments = { ...draft.input.comments };
  for (const [network, text] of Object.entries(commentValues(values)) as [Network, string | null][]) {
    if (text === null) delete comments[network];
    else comments[network] = text;
  }
  draft.input.comments = comments;
  await saveDraft(db, draft);
  await editReply(turn, targetsStep(draft, await listAccounts(db, actor.workspaceId)));
}

/** "No link preview" / "Link preview back on": flips the post's choice and shows it on the step, in place. */
export async function composeLinkPreview(turn: Turn, [draftId]: string[]): Promise<void> {
  await deferUpdate(turn);
  if (!(await firstTime(turn))) return;
  const actor = await actorFor(turn);
  const db = turn.edge.deps.db;
  const draft = await loadDraft(db, actor, draftId);
  if (!draft) return editReply(turn, expiredMessage(undefined));
  draft.input.noLinkPreview = draft.input.noLinkPreview !== true;
  await saveDraft(db, draft);
  const step = targetsStep(draft, await listAccounts(db, actor.workspaceId));
  // A Send clicked meanwhile has answered in this message and removed the draft: its answer stays.
  if (!(await loadDraft(db, actor, draftId))) return;
  await editReply(turn, step);
}
