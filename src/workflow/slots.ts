import { bestTimeNetworks, bestTimesFor, hasBestTimes } from './analytics/best-times.ts';
import { listAccounts } from '../db/accounts.ts';
import { addSlots, listSlots, removeSlots, type PostingSlot } from '../db/posting-slots.ts';
import type { SocialAccount } from '../db/schema.ts';
import { findWorkspace } from '../db/workspaces.ts';
import { bucketParts } from '../domain/best-time-buckets.ts';
import { isNetwork, NETWORK_LABELS, NETWORKS, type Network } from '../domain/networks.ts';
import { parseSlotSpec, slotLabel, WEEKDAY_SHORT, type SlotSpec } from '../domain/posting-slots.ts';
import { parseTimeOfDay } from '../domain/publish-time.ts';
import { asAdmin } from './workspace-admin.ts';
import type { Actor } from './actor.ts';
import type { WorkflowDeps } from './deps.ts';
import { ok, refused, type Outcome } from './outcome.ts';

export const SLOTS_HELP = [
  '`/greenlight slots`: the weekly posting slots "next slot" books',
  '`/greenlight slots add <network>[:<account>] <days> <times>`: e.g. `add x tue,thu 9:00`, `add linkedin mon-fri 9am,12:30` (admins)',
  '`/greenlight slots remove <network>[:<account>] <days> <times|all>` (admins)',
  '`/greenlight slots suggest [network]`: slots proposed from the best-time data, with its confidence',
].join('\n');

/** A workspace keeps at most this many slots: a week has 168 hours, a slot a minute. */
const MAX_SLOTS = 500;

/**
 * `/greenlight slots [add|remove|suggest] ...`, the same in both chats (plain text, code and bullets
 * render alike). Anyone may look and ask for suggestions; adding and removing is for admins.
 * Slots are wall-clock times in the workspace's zone when added; "next slot" books them.
 */
export async function slotsCommand(deps: WorkflowDeps, actor: Actor, args: string[]): Promise<Outcome> {
  const [sub = 'show', ...rest] = args;
  switch (sub.toLowerCase()) {
    case 'show':
    case 'list':
      return ok(await slotsText(deps, actor.workspaceId));
    case 'add':
      return asAdmin(deps, actor, () => addCommand(deps, actor, rest));
    case 'remove':
    case 'rm':
    case 'delete':
      return asAdmin(deps, actor, () => removeCommand(deps, actor, rest));
    case 'suggest':
      return suggestCommand(deps, actor, rest[0]);
    case 'help':
      return ok(SLOTS_HELP);
    default:
      return refused(`I don't know \`slots ${sub.slice(0, 30)}\`.\n${SLOTS_HELP}`);
  }
}

async function slotsText(deps: WorkflowDeps, workspaceId: string): Promise<string> {
  const [slots, accounts] = await Promise.all([listSlots(deps.db, workspaceId), listAccounts(deps.db, workspaceId)]);
  if (slots.length === 0) return `No posting slots yet. \`/greenlight slots suggest\` proposes some from your best times.\n${SLOTS_HELP}`;
  const groups = new Map<string, PostingSlot[]>();
  for (const slot of slots) {
    const key = slot.account_id ?? slot.network!;
    groups.set(key, [...(groups.get(key) ?? []), slot]);
  }
  const lines = [...groups.entries()].map(([key, list]) => {
    const account = accounts.find((a) => a.id === key);
    const name = account ? `${NETWORK_LABELS[account.network]} · ${account.display_name}` : `${NETWORK_LABELS[key as Network]} (every account)`;
    const health = account && account.status !== 'connected' ? ' — 🔌 needs reconnect: "next slot" skips it until then' : '';
    const zones = [...new Set(list.map((s) => s.zone))].join(', ');
    return `• ${name}: ${list.map((s) => slotLabel(s.weekday, s.minute)).join(', ')} (${zones})${health}`;
  });
  return [`Posting slots (${slots.length}); type "next slot" as the publish time to take the first free one:`, ...lines].join('\n');
}

async function resolveTarget(
  deps: WorkflowDeps,
  workspaceId: string,
  spec: SlotSpec,
): Promise<{ ok: true; account: SocialAccount | undefined } | { ok: false; message: string }> {
  if (!spec.target.account) return { ok: true, account: undefined };
  const wanted = spec.target.account.replace(/^@/, '').toLowerCase();
  const matches = (await listAccounts(deps.db, workspaceId)).filter(
    (a) => a.network === spec.target.network && a.display_name.replace(/^@/, '').toLowerCase() === wanted,
  );
  if (matches.length !== 1)
    return {
      ok: false,
      message: `No ${NETWORK_LABELS[spec.target.network]} account is named "${spec.target.account.slice(0, 40)}". \`/greenlight accounts\` lists them.`,
    };
  return { ok: true, account: matches[0] };
}

async function addCommand(deps: WorkflowDeps, actor: Actor, words: string[]): Promise<Outcome> {
  const parsed = parseSlotSpec(words, parseTimeOfDay);
  if (!parsed.ok) return refused(parsed.message);
  const { spec } = parsed;
  const target = await resolveTarget(deps, actor.workspaceId, spec);
  if (!target.ok) return refused(target.message);
  const workspace = (await findWorkspace(deps.db, actor.workspaceId))!;
  const existing = await listSlots(deps.db, workspace.id);
  const rows = spec.weekdays.flatMap((weekday) =>
    spec.minutes.map((minute) => ({
      workspaceId: workspace.id,
      accountId: target.account?.id ?? null,
      network: target.account ? null : spec.target.network,
      weekday,
      minute,
      zone: workspace.default_zone,
      createdBy: actor.userId,
    })),
  );
  if (existing.length + rows.length > MAX_SLOTS) return refused(`A workspace keeps at most ${MAX_SLOTS} slots (${existing.length} now); remove some first.`);
  const added = await addSlots(deps.db, rows);
  const name = target.account ? `${NETWORK_LABELS[target.account.network]} · ${target.account.display_name}` : NETWORK_LABELS[spec.target.network];
  const labels = rows.map((r) => slotLabel(r.weekday, r.minute)).join(', ');
  return ok(
    `Added ${added} ${added === 1 ? 'slot' : 'slots'} for ${name} (${workspace.default_zone}): ${labels}${added < rows.length ? ` (${rows.length - added} already there)` : ''}.`,
  );
}

async function removeCommand(deps: WorkflowDeps, actor: Actor, words: string[]): Promise<Outcome> {
  const all = words.at(-1)?.toLowerCase() === 'all';
  const parsed = parseSlotSpec(all ? [...words.slice(0, -1), '0:00'] : words, parseTimeOfDay);
  if (!parsed.ok) return refused(parsed.message);
  const target = await resolveTarget(deps, actor.workspaceId, parsed.spec);
  if (!target.ok) return refused(target.message);
  const removed = await removeSlots(
    deps.db,
    actor.workspaceId,
    target.account ? { accountId: target.account.id } : { network: parsed.spec.target.network },
    parsed.spec.weekdays,
    all ? 'all' : parsed.spec.minutes,
  );
  // Posts that booked a removed slot keep their time: a booking is a post's, not the slot's.
  return removed > 0
    ? ok(`Removed ${removed} ${removed === 1 ? 'slot' : 'slots'}. Posts already booked keep their time.`)
    : refused('No slot matched. `/greenlight slots` lists them.');
}

async function suggestCommand(deps: WorkflowDeps, actor: Actor, arg: string | undefined): Promise<Outcome> {
  const choice = arg?.toLowerCase();
  if (choice && !(isNetwork(choice) && hasBestTimes(choice)))
    return refused(`I don't know the network "${choice.slice(0, 40)}". Try one of: ${NETWORKS.filter(hasBestTimes).join(', ')}.`);
  const networks = choice ? [choice as Network] : await bestTimeNetworks(deps, actor.workspaceId);
  if (networks.length === 0) return ok('No accounts are connected yet. Ask for one network (`/greenlight slots suggest x`) to see its default times.');
  const results = await bestTimesFor(deps, actor.workspaceId, networks);
  const lines = results.flatMap((r) => {
    const head = r.enoughHistory
      ? `${NETWORK_LABELS[r.network]} (${r.zone}), from ${r.posts} measured posts:`
      : `${NETWORK_LABELS[r.network]} (${r.zone}): too little history yet (${r.posts} measured posts), so Greenlight's default times, low confidence:`;
    return [
      head,
      ...r.slots.map((s) => {
        const { weekday, hour } = bucketParts(s.bucket);
        const label = s.source === 'default' ? 'default' : `${s.confidence} confidence, ${s.posts} ${s.posts === 1 ? 'post' : 'posts'}`;
        return `• ${slotLabel(weekday, hour * 60)} (${label}): \`/greenlight slots add ${r.network} ${WEEKDAY_SHORT[weekday - 1]} ${hour}:00\``;
      }),
    ];
  });
  return ok(['Suggested slots, from how earlier posts did:', ...lines].join('\n'));
}
