import { listAccounts } from '../../../db/accounts.ts';
import type { SocialAccount } from '../../../db/schema.ts';
import type { Network } from '../../../domain/networks.ts';
import type { Actor } from '../../../workflow/actor.ts';
import type { MessagePayload } from '../types.ts';
import { expiredMessage, targetsStep } from '../compose-messages.ts';
import { loadDraft, saveDraft, type Draft } from '../compose-state.ts';
import { actorFor, deferEphemeral, deferUpdate, editReply, firstTime, type Turn } from '../edge-context.ts';

/**
 * How a change to the draft was asked for: a button or menu on the account step (`update`: the step is
 * redrawn in place), or a form opened from it (`form`: the form's answer is the step again).
 */
export type StepTrigger = 'update' | 'form';

/** What a change returns: the step it drew itself, or nothing for the usual step. */
type StepChange = MessagePayload | undefined;

/**
 * One change to an open draft from its account step: the person's draft is loaded, changed, saved, and
 * the step drawn again with it ("no longer open" for a draft that is gone). `change` may draw the step
 * itself (a hint, a warning line). A Send clicked meanwhile answered in this same message and removed
 * the draft: its answer stays, the step is not drawn over it.
 */
export async function changeDraft(
  turn: Turn,
  draftId: string | undefined,
  trigger: StepTrigger,
  change: (draft: Draft, accounts: SocialAccount[], actor: Actor) => StepChange | Promise<StepChange>,
): Promise<void> {
  await (trigger === 'update' ? deferUpdate(turn) : deferEphemeral(turn));
  if (!(await firstTime(turn))) return;
  const actor = await actorFor(turn);
  const db = turn.edge.deps.db;
  const draft = await loadDraft(db, actor, draftId);
  if (!draft) return editReply(turn, expiredMessage(undefined));
  const accounts = await listAccounts(db, actor.workspaceId);
  const drawn = await change(draft, accounts, actor);
  // No row updated: a Send removed the draft meanwhile, and its answer stays.
  if (!(await saveDraft(db, draft))) return;
  await editReply(turn, drawn ?? targetsStep(draft, accounts));
}

/** A per-network text map (versions, first comments) with a form's fields applied: an empty field (null) removes its entry. */
export function withFields(
  current: Partial<Record<Network, string>> | undefined,
  fields: Partial<Record<Network, string | null>>,
): Partial<Record<Network, string>> {
  const next = { ...current };
  for (const [network, text] of Object.entries(fields) as [Network, string | null][]) {
    if (text === null) delete next[network];
    else next[network] = text;
  }
  return next;
}
