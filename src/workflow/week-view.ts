import { listAccounts } from '../db/accounts.ts';
import { calendarDays, type CalendarPost } from '../db/calendar.ts';
import { listSlots, takenAt, type PostingSlot } from '../db/posting-slots.ts';
import type { SocialAccount } from '../db/schema.ts';
import { NETWORK_LABELS } from '../domain/networks.ts';
import type { PostState } from '../domain/post-state.ts';
import { instantsBySlot, weekOf } from '../domain/posting-slots.ts';
import type { WorkflowDeps } from './deps.ts';

/** A day shows at most this many posts (Slack's sections hold 3,000 characters); the rest are counted. */
export const POSTS_PER_DAY = 12;

export type WeekEntry = { kind: 'post'; at: Date; post: CalendarPost } | { kind: 'free'; at: Date; accounts: string[] };

export interface WeekView {
  zone: string;
  /** Weeks from the current one (0 this week, 1 next). */
  offset: number;
  start: Date;
  end: Date;
  days: { label: string; start: Date; entries: WeekEntry[]; more: number }[];
}

const STATE_WORDS: Record<PostState, string> = {
  draft: 'draft',
  in_review: 'in review',
  changes_requested: 'changes requested',
  approved: 'approved',
  scheduled: 'scheduled',
  publishing: 'publishing',
  published: '✅ published',
  partially_published: '⚠️ partly published',
  failed: '❌ failed',
  rejected: 'rejected',
  canceled: 'canceled',
};

/**
 * A week of the workspace as the calendar shows it in both chats: each day's posts (time, networks,
 * state) and, from now on, its free slots, in `zone` (the reader's). A free slot lists the connected
 * accounts it is free for; one whose account needs a reconnect is not offered.
 */
export async function buildWeekView(deps: Pick<WorkflowDeps, 'db' | 'now'>, workspaceId: string, zone: string, offset: number): Promise<WeekView> {
  const now = deps.now();
  const week = weekOf(now, zone, offset);
  const [days, slots, accounts] = await Promise.all([
    calendarDays(deps.db, workspaceId, week.days, POSTS_PER_DAY),
    listSlots(deps.db, workspaceId),
    listAccounts(deps.db, workspaceId),
  ]);

  const free: WeekEntry[] = (await freeSlots(deps, workspaceId, new Date(Math.max(now.getTime(), week.start.getTime())), week.end, slots, accounts)).map(
    (f) => ({ kind: 'free', ...f }),
  );

  return {
    zone,
    offset,
    start: week.start,
    end: week.end,
    days: week.days.map((day, i) => {
      const posts: WeekEntry[] = days[i]!.posts.map((post) => ({ kind: 'post', at: post.publish_at, post }));
      const slotsOfDay = free.filter((f) => f.at >= day.start && f.at < day.end);
      const entries = [...posts, ...slotsOfDay].sort((a, b) => a.at.getTime() - b.at.getTime() || (a.kind === 'post' ? -1 : 1));
      return { label: day.label, start: day.start, entries, more: days[i]!.total - days[i]!.posts.length };
    }),
  };
}

/**
 * The slot instants in [from, until) with the connected accounts each is still free for (no live
 * post of the account at that time). Index look-ups at the slot instants only, never a scan of the week.
 */
export async function freeSlots(
  deps: Pick<WorkflowDeps, 'db'>,
  workspaceId: string,
  from: Date,
  until: Date,
  known?: PostingSlot[],
  knownAccounts?: SocialAccount[],
): Promise<{ at: Date; accounts: string[] }[]> {
  const [slots, accounts] = await Promise.all([known ?? listSlots(deps.db, workspaceId), knownAccounts ?? listAccounts(deps.db, workspaceId)]);
  const wanted = new Map<number, Set<SocialAccount>>();
  for (const { slot, instants } of instantsBySlot(slots, from, until)) {
    const covered = accounts.filter((a) => a.status === 'connected' && (slot.account_id ? a.id === slot.account_id : a.network === slot.network));
    if (covered.length === 0) continue;
    for (const at of instants) {
      const set = wanted.get(at.getTime()) ?? new Set();
      for (const a of covered) set.add(a);
      wanted.set(at.getTime(), set);
    }
  }
  const taken = await takenAt(
    deps.db,
    workspaceId,
    [...wanted.keys()].map((t) => new Date(t)),
  );
  const busy = new Set(taken.map((t) => `${t.at.getTime()}:${t.account_id}`));
  return [...wanted.entries()]
    .sort(([a], [b]) => a - b)
    .flatMap(([t, set]) => {
      const open = [...set].filter((a) => !busy.has(`${t}:${a.id}`));
      return open.length > 0 ? [{ at: new Date(t), accounts: open.map((a) => `${NETWORK_LABELS[a.network]} · ${a.display_name}`) }] : [];
    });
}

export interface WeekFormat {
  /** The time of day shown (default: 24-hour clock in the view's zone). */
  time?: (at: Date) => string;
  bold: (text: string) => string;
  escape: (text: string) => string;
  mention: (userId: string) => string;
  /** A link to the post's card, where the chat has one. */
  cardLink?: (post: CalendarPost) => string;
}

/** One day's lines: "09:00 · X, LinkedIn · scheduled · <@ana>: text", "◻️ 12:00 free slot: X · @acme". */
export function dayLines(day: WeekView['days'][number], zone: string, format: WeekFormat): string[] {
  const clock = format.time ?? clockOf(zone);
  const lines = day.entries.map((e) => {
    const time = clock(e.at);
    if (e.kind === 'free') return `◻️ ${time} free slot: ${format.escape(e.accounts.join(', '))}`;
    const p = e.post;
    const networks = p.networks.map((n) => NETWORK_LABELS[n]).join(', ') || '(no network)';
    const text = p.text.replace(/\s+/g, ' ');
    return `• ${time} · ${networks} · ${STATE_WORDS[p.state]} · ${format.mention(p.author_id)}: ${format.escape(text.slice(0, 60))}${text.length > 60 ? '…' : ''}${format.cardLink ? format.cardLink(p) : ''}`;
  });
  if (day.more > 0) lines.push(`… and ${day.more} more`);
  return lines.length > 0 ? lines : ['_nothing planned_'];
}

/** "9:00", "17:30" in `zone`: one formatter for a whole day's lines (as formatTimeOfDay writes them). */
function clockOf(zone: string): (at: Date) => string {
  let format = CLOCKS.get(zone);
  // Making a formatter costs far more than using one: one per zone for the process.
  if (!format) CLOCKS.set(zone, (format = new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: 'numeric', minute: '2-digit', hourCycle: 'h23' })));
  return (at) => format.format(at).replace(/^0(\d):/, '$1:');
}
const CLOCKS = new Map<string, Intl.DateTimeFormat>();

/** The whole week as text (the `/greenlight queue <week>` answer in either chat). */
export function weekText(view: WeekView, format: WeekFormat): string {
  const title = view.offset === 0 ? 'This week' : view.offset === 1 ? 'Next week' : view.offset === -1 ? 'Last week' : `Week of ${view.days[0]!.label}`;
  return [
    `${format.bold(`${title}: ${view.days[0]!.label} to ${view.days[6]!.label}`)} (${view.zone})`,
    ...view.days.flatMap((d) => [format.bold(d.label), ...dayLines(d, view.zone, format)]),
  ].join('\n');
}

/**
 * The rolling queue's lines with the free slots between the posts, by time. Free slots are only shown
 * up to the last listed post when the list was cut at its limit (after it, the list knows nothing).
 */
export function withFreeSlots<P extends { publish_at: Date }>(
  posts: P[],
  free: { at: Date; accounts: string[] }[],
  line: (p: P) => string,
  freeLine: (f: { at: Date; accounts: string[] }) => string,
  limit = 50,
): string[] {
  const cutAt = posts.length >= limit ? posts.at(-1)!.publish_at.getTime() : Infinity;
  const entries = [
    ...posts.map((p) => ({ at: p.publish_at.getTime(), text: line(p), order: 0 })),
    ...free.filter((f) => f.at.getTime() <= cutAt).map((f) => ({ at: f.at.getTime(), text: freeLine(f), order: 1 })),
  ];
  return entries.sort((a, b) => a.at - b.at || a.order - b.order).map((e) => e.text);
}
