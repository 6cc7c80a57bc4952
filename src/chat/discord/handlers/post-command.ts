import { listAccounts } from '../../../db/accounts.ts';
import { findWorkspace } from '../../../db/workspaces.ts';
import { composeModal } from '../compose-modal.ts';
import { rememberedZone } from '../compose-state.ts';
import { actorFor, optionValue, reply, type Turn } from '../edge-context.ts';
import { MODALS } from '../ids.ts';

/** `/post [text]`: opens the compose form (the modal is the initial response), pre-filled with any text given. */
export async function postCommand(turn: Turn): Promise<void> {
  const actor = await actorFor(turn);
  const db = turn.edge.deps.db;
  const [workspace, accounts] = await Promise.all([findWorkspace(db, actor.workspaceId), listAccounts(db, actor.workspaceId)]);
  if (accounts.length === 0) {
    return reply(turn, 'No social accounts are connected yet. An admin can connect one with `/greenlight connect` (x, mastodon, ...).');
  }
  const zone = await rememberedZone(db, actor, workspace!.default_zone);
  const text = optionValue(turn.interaction, 'text')?.trim();
  await turn.respond(composeModal(MODALS.compose, 'New post', { text, zone, when: 'now' }));
}
