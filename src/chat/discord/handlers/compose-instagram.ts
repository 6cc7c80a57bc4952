import { listAccounts } from '../../../db/accounts.ts';
import { expiredMessage, targetsStep } from '../compose-messages.ts';
import { loadDraft, saveDraft } from '../compose-state.ts';
import { actorFor, deferUpdate, editReply, firstTime, type Turn } from '../edge-context.ts';

/** The compose step's "Instagram video as…" menu (issue 15): a Reel or a Story, kept with the draft. */
export async function composeInstagram(turn: Turn, [draftId]: string[]): Promise<void> {
  await deferUpdate(turn);
  if (!(await firstTime(turn))) return;
  const actor = await actorFor(turn);
  const db = turn.edge.deps.db;
  const draft = await loadDraft(db, actor, draftId);
  if (!draft) return editReply(turn, expiredMessage(undefined));
  const [chosen] = turn.interaction.data?.values ?? [];
  draft.input.instagram = chosen === 'stories' ? 'stories' : 'reels';
  await saveDraft(db, draft);
  // A Send clicked meanwhile has answered in this message and removed the draft: its answer stays.
  if (!(await loadDraft(db, actor, draftId))) return;
  await editReply(turn, targetsStep(draft, await listAccounts(db, actor.workspaceId)));
}
