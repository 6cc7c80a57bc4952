import { DateTime } from 'luxon';
import { MIN_HISTORY_POSTS, type BestTimes, type Slot } from '../../domain/best-time.ts';
import { NETWORK_LABELS, NETWORKS, isNetwork, type Network } from '../../domain/networks.ts';
import type { WorkflowDeps } from '../deps.ts';
import { bestTimeNetworks, bestTimesFor, hasBestTimes } from './best-times.ts';

/**
 * What `/greenlight besttime [network]` says, in Slack and in Discord alike (plain text and bullets,
 * which both render the same), and the one-line hint of the compose form.
 */
export async function bestTimeText(deps: Pick<WorkflowDeps, 'db' | 'now'>, workspaceId: string, arg: string | undefined): Promise<string> {
  const choice = arg?.trim().toLowerCase();
  const known = NETWORKS.filter(hasBestTimes);
  if (choice && !(isNetwork(choice) && hasBestTimes(choice))) return `I don't know the network "${choice.slice(0, 40)}". Try one of: ${known.join(', ')}.`;
  const networks = choice ? [choice as Network] : await bestTimeNetworks(deps, workspaceId);
  if (networks.length === 0)
    return 'No accounts are connected yet, so there is no history to learn from. Ask for one network (`/greenlight besttime x`) to see its default times.';
  const results = await bestTimesFor(deps, workspaceId, networks);
  return results.map(describe).join('\n\n');
}

function describe(result: BestTimes): string {
  const label = NETWORK_LABELS[result.network];
  const head = result.enoughHistory
    ? `Best times for ${label} (${result.zone}), from ${result.posts} measured ${plural(result.posts, 'post')}:`
    : `Best times for ${label} (${result.zone}): too little history yet (${result.posts} measured ${plural(result.posts, 'post')}; ${MIN_HISTORY_POSTS} needed), so these are Greenlight's default times for ${label}:`;
  return [head, ...result.slots.map((slot) => `• ${when(slot.at, result.zone, 'ccc d LLL, H:mm')}: ${detail(slot, result)}`)].join('\n');
}

function detail(slot: Slot, result: BestTimes): string {
  if (slot.source === 'default') return result.enoughHistory ? 'default (no third hour measured yet)' : 'default';
  const average = result.basis === 'rate' ? `${(slot.average! * 100).toFixed(1)}% engagement rate` : `${formatNumber(slot.average!)} engagements per post`;
  return `${slot.confidence} confidence (${slot.posts} ${plural(slot.posts, 'post')}, ${average})`;
}

/** "Best times for X: Tue 9:00 (high), Wed 12:00 (low), Thu 9:00 (default) · Mastodon: …", in `zone` (the author's). */
export async function bestTimeHint(
  deps: Pick<WorkflowDeps, 'db' | 'now'>,
  workspaceId: string,
  networks: Network[],
  zone: string,
): Promise<string | undefined> {
  const results = await bestTimesFor(deps, workspaceId, [...new Set(networks)]);
  if (results.length === 0) return undefined;
  const one = (r: BestTimes) =>
    `${NETWORK_LABELS[r.network]}: ${r.slots.map((s) => `${when(s.at, zone, 'ccc H:mm')} (${s.source === 'default' ? 'default' : s.confidence})`).join(', ')}`;
  return `Best times for ${results.map(one).join(' · ')}. Your zone; details: /greenlight besttime`;
}

const when = (at: Date, zone: string, pattern: string) => DateTime.fromJSDate(at, { zone }).setLocale('en-US').toFormat(pattern);
const plural = (n: number, word: string) => (n === 1 ? word : `${word}s`);
const formatNumber = (n: number) => new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 }).format(n);
