import { busyInstants, insertBookings, lockSlotAccounts, slotsOfAccounts, type PostingSlot } from '../db/posting-slots.ts';
import type { Executor } from '../db/database.ts';
import type { SocialAccount, Workspace } from '../db/schema.ts';
import { NETWORK_LABELS } from '../domain/networks.ts';
import { SLOT_HORIZON_WEEKS, firstFree, instantsBySlot, slotLabel, type SlotRequest } from '../domain/posting-slots.ts';

/** A slot is never booked closer than this to now: the post still needs its approval. */
const LEAD_MS = 60_000;

export type SlotChoice = { ok: true; at: Date; slot: string } | { ok: false; message: string };

/**
 * "next slot": the first instant, after the request's bound, that is a slot of every chosen account
 * (see `sharedInstants`) and at which none of them is busy (booked, or a live post at that time).
 * Runs in the caller's transaction, under per-account locks held to its end, so the booking that
 * follows (`bookSlot`) commits before anyone else looks: two authors at once get two slots.
 *
 * An account that needs a reconnect is refused (its slot would pass unpublished and block the
 * hour for nobody's benefit); a paused workspace still books (the brake is for a crisis, the plan
 * stands) and the thread says so when publishing is held.
 */
export async function chooseSlot(tx: Executor, workspace: Workspace, accounts: SocialAccount[], request: SlotRequest, now: Date): Promise<SlotChoice> {
  const broken = accounts.filter((a) => a.status !== 'connected');
  if (broken.length > 0) {
    const names = broken.map((a) => `${NETWORK_LABELS[a.network]} · ${a.display_name}`).join(', ');
    return {
      ok: false,
      message: `${names} ${broken.length === 1 ? 'needs' : 'need'} a reconnect, so no slot can be booked for ${broken.length === 1 ? 'it' : 'them'}: reconnect first (\`/greenlight accounts\`), or type a time.`,
    };
  }
  const slots = await slotsOfAccounts(tx, workspace.id, accounts);
  if (slots.length === 0) {
    const networks = [...new Set(accounts.map((a) => NETWORK_LABELS[a.network]))].join(', ');
    return {
      ok: false,
      message: `${networks} ${accounts.length === 1 ? 'has' : 'have'} no posting slots yet: an admin adds them with \`/greenlight slots add x tue 9:00\` (ideas: \`/greenlight slots suggest\`), or type a time.`,
    };
  }
  await lockSlotAccounts(
    tx,
    accounts.map((a) => a.id),
  );
  const from = new Date(Math.max(request.after.getTime(), now.getTime() + LEAD_MS));
  const until = new Date(from.getTime() + SLOT_HORIZON_WEEKS * 7 * 86_400_000);
  const candidates = sharedInstants(accounts, slots, from, until);
  const busy = await busyInstants(
    tx,
    workspace.id,
    accounts.map((a) => a.id),
    candidates.map((c) => c.at),
  );
  const at = firstFree(
    candidates.map((c) => c.at),
    busy,
  );
  if (!at) {
    return {
      ok: false,
      message: `Every slot of the next ${SLOT_HORIZON_WEEKS} weeks${request.afterText ? ` after ${request.afterText}` : ''} is taken for these accounts: add slots (\`/greenlight slots add\`) or type a time.`,
    };
  }
  const { slot } = candidates.find((c) => c.at.getTime() === at.getTime())!;
  return { ok: true, at, slot: `${slotLabel(slot.weekday, slot.minute)} ${slot.zone}` };
}

/**
 * The instants that are a slot of every chosen account (its own slots and its network's); when the
 * accounts have no slot in common, those of any of them, so a post to X and LinkedIn still finds a time.
 * Each instant comes with a slot it belongs to (for the thread's "took the … slot").
 */
function sharedInstants(accounts: SocialAccount[], slots: PostingSlot[], from: Date, until: Date): { at: Date; slot: PostingSlot }[] {
  const bySlot = instantsBySlot(slots, from, until);
  const union = new Map<number, { at: Date; slot: PostingSlot; accounts: Set<string> }>();
  for (const { slot, instants } of bySlot) {
    const covers = accounts.filter((a) => slot.account_id === a.id || (slot.account_id === null && slot.network === a.network)).map((a) => a.id);
    for (const at of instants) {
      const entry = union.get(at.getTime()) ?? { at, slot, accounts: new Set<string>() };
      for (const id of covers) entry.accounts.add(id);
      union.set(at.getTime(), entry);
    }
  }
  const all = [...union.values()].sort((a, b) => a.at.getTime() - b.at.getTime());
  const shared = all.filter((e) => e.accounts.size === accounts.length);
  return shared.length > 0 ? shared : all;
}

/** Records the booking of a chosen slot for every account, in the same transaction as the choice. */
export function bookSlot(tx: Executor, workspaceId: string, accountIds: string[], at: Date, postId: string): Promise<void> {
  return insertBookings(tx, workspaceId, accountIds, at, postId);
}
