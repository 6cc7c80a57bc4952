import type { Turn } from '../edge-context.ts';
import { changeDraft } from './draft-step.ts';

/** The compose step's "Instagram video as…" menu (issue 15): a Reel or a Story, kept with the draft. */
export async function composeInstagram(turn: Turn, [draftId]: string[]): Promise<void> {
  const [chosen] = turn.interaction.data?.values ?? [];
  await changeDraft(turn, draftId, 'update', (draft) => {
    draft.input.instagram = chosen === 'stories' ? 'stories' : 'reels';
  });
}
