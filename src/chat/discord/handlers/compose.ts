import { bestTimeHint } from '../../../workflow/analytics/best-time-text.ts';
import { listAccounts } from '../../../db/accounts.ts';
import type { SocialAccount } from '../../../db/schema.ts';
import { isValidTimeZone } from '../../../domain/local-time.ts';
import { deleteDraft } from '../../../db/compose-drafts.ts';
import { findWorkspace } from '../../../db/workspaces.ts';
import { editPost } from '../../../workflow/author-actions.ts';
import type { Actor } from '../../../workflow/actor.ts';
import { submitPost } from '../../../workflow/submit-post.ts';
import { errorStep, expiredMessage, refusedMessage, sentMessage, targetsStep } from '../compose-messages.ts';
import { COMPOSE_LIMITS, composeFields, composeModal, modalValues, overLimit } from '../compose-modal.ts';
import { loadDraft, newDraft, saveDraft, type Draft } from '../compose-state.ts';
import { actorFor, deferEphemeral, deferUpdate, editReply, firstTime, reply, type Turn } from '../edge-context.ts';
import { MODALS, customId } from '../ids.ts';
import { changeDraft } from './draft-step.ts';

/**
 * The compose form's submission (`compose` from /post, `compose:<draft>` when reopened or editing).
 * What was typed is stored first; then the account step, or with one account the post goes in.
 */
export async function composeSubmit(turn: Turn, [draftId]: string[]): Promise<void> {
  const values = modalValues(turn.interaction);
  const tooLong = overLimit(values, COMPOSE_LIMITS);
  if (tooLong) return reply(turn, `⚠️ ${tooLong}`);
  await deferEphemeral(turn);
  if (!(await firstTime(turn))) return;
  const actor = await actorFor(turn);
  const db = turn.edge.deps.db;
  const workspace = (await findWorkspace(db, actor.workspaceId))!;
  const typed = composeFields(values, workspace.default_zone);
  const draft = draftId
    ? await loadDraft(db, actor, draftId)
    : await newDraft(db, actor, { postId: null, channelId: turn.channelId, input: { ...typed, accountIds: [], variants: {} } });
  if (!draft) return editReply(turn, expiredMessage(typed.text));
  draft.input = { ...draft.input, ...typed };
  await saveDraft(db, draft);
  const accounts = await listAccounts(db, actor.workspaceId);
  if (accounts.length !== 1) return editReply(turn, targetsStep(draft, accounts, await bestTimes(turn, actor, accounts, draft)));
  draft.input.accountIds = [accounts[0]!.id];
  await send(turn, actor, draft);
}

/** The account picker: remembers the choice and shows it. */
export async function composeTargets(turn: Turn, [draftId]: string[]): Promise<void> {
  await changeDraft(turn, draftId, 'update', async (draft, accounts, actor) => {
    const known = new Set(accounts.map((a) => a.id));
    draft.input.accountIds = (turn.interaction.data?.values ?? []).filter((id) => known.has(id));
    return targetsStep(draft, accounts, await bestTimes(turn, actor, accounts, draft));
  });
}

/**
 * As Slack's compose form: the best hours for the networks on offer, in the zone typed in the form (no
 * hint while that zone is not a real one: sending says what is wrong with it).
 */
async function bestTimes(turn: Turn, actor: Actor, accounts: SocialAccount[], draft: Draft): Promise<string | undefined> {
  const networks = accounts.filter((a) => a.status !== 'disconnected').map((a) => a.network);
  if (!isValidTimeZone(draft.input.zone)) return undefined;
  return bestTimeHint(turn.edge.deps, actor.workspaceId, networks, draft.input.zone).catch((error: unknown) => {
    // A hint is never worth failing the step for.
    turn.edge.log.warn({ err: error, workspaceId: actor.workspaceId }, 'best times for the compose step failed; the step shows without them');
    return undefined;
  });
}

/** "Send for approval" / "Save and resubmit". */
export async function composeSend(turn: Turn, [draftId]: string[]): Promise<void> {
  await deferUpdate(turn);
  if (!(await firstTime(turn))) return;
  const actor = await actorFor(turn);
  const draft = await loadDraft(turn.edge.deps.db, actor, draftId);
  if (!draft) return editReply(turn, expiredMessage(undefined));
  await send(turn, actor, draft);
}

/** "Edit in the form": the form again, pre-filled with everything the draft holds. */
export async function composeReopen(turn: Turn, [draftId]: string[]): Promise<void> {
  const actor = await actorFor(turn);
  const draft = await loadDraft(turn.edge.deps.db, actor, draftId);
  if (!draft) return reply(turn, expiredMessage(undefined).content!);
  await turn.respond(composeModal(customId(MODALS.compose, draft.id), draft.postId ? 'Edit post' : 'New post', draft.input));
}

/** Hands the draft to the workflow (the same functions Slack calls) and shows the outcome in place. */
async function send(turn: Turn, actor: Actor, draft: Draft): Promise<void> {
  const { deps } = turn.edge;
  const result = draft.postId ? await editPost(deps, actor, draft.postId, draft.input) : await submitPost(deps, actor, draft.input, draft.channelId);
  if (result.ok) {
    await deleteDraft(deps.db, draft.id);
    const workspace = (await findWorkspace(deps.db, actor.workspaceId))!;
    return editReply(turn, sentMessage(draft, workspace.approvals_channel_id ?? draft.channelId));
  }
  await saveDraft(deps.db, draft);
  if ('errors' in result) return editReply(turn, errorStep(draft, await listAccounts(deps.db, actor.workspaceId), result.errors));
  await editReply(turn, refusedMessage(draft, result.message));
}
