import { listAccounts } from '../../../db/accounts.ts';
import type { SocialAccount } from '../../../db/schema.ts';
import { takesFirstComment } from '../../../domain/first-comment.ts';
import type { Network } from '../../../domain/networks.ts';
import { expiredMessage } from '../compose-messages.ts';
import { COMMENT_FIELD_LIMIT, VERSIONS_PER_FORM, commentValues, firstCommentsModal, modalValues, overLimit } from '../compose-modal.ts';
import { loadDraft, type Draft } from '../compose-state.ts';
import { actorFor, reply, type Turn } from '../edge-context.ts';
import { MODALS, customId } from '../ids.ts';
import { chosenNetworks } from './compose-versions.ts';
import { changeDraft, withFields } from './draft-step.ts';

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
  await changeDraft(turn, draftId, 'form', (draft) => {
    draft.input.comments = withFields(draft.input.comments, commentValues(values));
  });
}

/** "No link preview" / "Link preview back on": flips the post's choice and shows it on the step, in place. */
export async function composeLinkPreview(turn: Turn, [draftId]: string[]): Promise<void> {
  await changeDraft(turn, draftId, 'update', (draft) => {
    draft.input.noLinkPreview = draft.input.noLinkPreview !== true;
  });
}
