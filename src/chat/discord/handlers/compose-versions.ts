import { listAccounts } from '../../../db/accounts.ts';
import { NETWORKS, type Network } from '../../../domain/networks.ts';
import type { SocialAccount } from '../../../db/schema.ts';
import { expiredMessage } from '../compose-messages.ts';
import { COMPOSE_LIMITS, VERSIONS_PER_FORM, modalValues, overLimit, versionValues, versionsModal } from '../compose-modal.ts';
import { loadDraft, type Draft } from '../compose-state.ts';
import { actorFor, reply, type Turn } from '../edge-context.ts';
import { MODALS, customId } from '../ids.ts';
import { changeDraft, withFields } from './draft-step.ts';

/** The networks of the accounts picked in the draft, in Greenlight's order (webhooks take no text of their own). */
export function chosenNetworks(draft: Draft, accounts: readonly SocialAccount[]): Network[] {
  const picked = new Set(accounts.filter((a) => draft.input.accountIds.includes(a.id)).map((a) => a.network));
  return NETWORKS.filter((n) => n !== 'webhook' && picked.has(n));
}

/** "Versions per network" (the first five networks) and "More versions" (the rest) on the account step. */
export function composeVersions(part: 0 | 1) {
  return async (turn: Turn, [draftId]: string[]): Promise<void> => {
    const actor = await actorFor(turn);
    const db = turn.edge.deps.db;
    const draft = await loadDraft(db, actor, draftId);
    if (!draft) return reply(turn, expiredMessage(undefined).content!);
    const networks = chosenNetworks(draft, await listAccounts(db, actor.workspaceId)).slice(part * VERSIONS_PER_FORM, (part + 1) * VERSIONS_PER_FORM);
    if (networks.length === 0) return reply(turn, '⚠️ Pick the accounts first: each of their networks can then have a version of its own.');
    await turn.respond(versionsModal(customId(MODALS.composeVersions, draft.id), networks, draft.input.variants));
  };
}

/** The versions form's submit: the versions kept in the draft, the account step again with them. */
export async function composeVersionsSubmit(turn: Turn, [draftId]: string[]): Promise<void> {
  const values = modalValues(turn.interaction);
  const tooLong = overLimit(values, Object.fromEntries(Object.keys(values).map((k) => [k, COMPOSE_LIMITS.text])));
  if (tooLong) return reply(turn, `⚠️ ${tooLong}`);
  await changeDraft(turn, draftId, 'form', (draft) => {
    draft.input.variants = withFields(draft.input.variants, versionValues(values));
  });
}
