import { summaryFromEventData } from '../analytics/summary-line.ts';
import { NETWORK_LABELS, isNetwork, type Network } from '../../domain/networks.ts';
import { formatInZone, formatTimeOfDay } from '../../domain/publish-time.ts';
import type { Receipt } from './card-view.ts';
import { isOperatorId } from '../actor.ts';

/** An event as the audit log holds it. */
export interface EventRecord {
  kind: string;
  actor: string | null;
  delivery_id: string | null;
  data: Record<string, unknown>;
  created_at: Date;
}

/**
 * The thread reply for an event, or undefined when the event needs none (the card update says it).
 * Mentions use `<@id>`, which Slack and Discord both render as the person.
 */
export function receiptFor(
  event: EventRecord,
  zone: string,
  links: { reconnect: (network: Network) => string },
  quote: (text: string) => string = (text) => text,
): Receipt | undefined {
  const d = event.data;
  // What a person typed or a network wrote is quoted for the chat: a comment saying <!here> stays words.
  const q = (value: unknown) => quote(String(value ?? ''));
  const who = !event.actor ? 'Greenlight' : isOperatorId(event.actor) ? `the operator (${event.actor})` : `<@${event.actor}>`;
  const network = typeof d.network === 'string' && isNetwork(d.network) ? d.network : undefined;
  const label = network ? NETWORK_LABELS[network] : String(d.network ?? 'the network');
  const at = (value: unknown) => (typeof value === 'string' ? new Date(value) : event.created_at);
  const retry = (text: string): Receipt => ({
    text,
    buttons: [{ kind: 'action', label: `Retry ${label}`, action: 'retry_delivery', value: String(event.delivery_id) }],
  });

  switch (event.kind) {
    case 'submitted':
      // "next slot" says which slot it took, a series what it holds; an ordinary time needs no reply of its own.
      if (typeof d.series === 'string')
        return {
          text: `Repeats ${q(d.series)}: ${Number(d.followers) + 1} posts, the last on ${formatInZone(at(d.lastAt), zone)}. Approving this card approves them all; their receipts come here.`,
          buttons: [],
        };
      return typeof d.slot === 'string'
        ? { text: `Took the next free slot: ${formatInZone(at(d.publishAt), zone)} (the ${q(d.slot)} slot).`, buttons: [] }
        : undefined;
    case 'series_approved':
      return { text: `The series is approved: ${d.count} more ${Number(d.count) === 1 ? 'post is' : 'posts are'} scheduled (${q(d.rule)}).`, buttons: [] };
    case 'series_edited':
      return {
        text: `The edit applies to the ${d.count} later ${Number(d.count) === 1 ? 'post' : 'posts'} of the series not yet published: they wait for approval again.`,
        buttons: [],
      };
    case 'series_canceled':
      return { text: `The rest of the series is canceled too: ${d.count} later ${Number(d.count) === 1 ? 'post' : 'posts'}.`, buttons: [] };
    case 'approved':
      return { text: `Approved by ${who}${approvedFor(d)}${Number(d.required) > 1 ? ` (${d.count} of ${d.required})` : ''}.`, buttons: [] };
    case 'scheduled':
      return {
        text: `Scheduled for ${formatInZone(at(d.publishAt), zone)}${Array.isArray(d.held) ? `; ${list(d.held)} held, so not published there` : ''}.`,
        buttons: [],
      };
    case 'publish_time_passed':
      if (d.stillInReview) {
        return {
          text: `Not published: still waiting for approval at its time (${formatInZone(at(d.publishAt), zone)}). The author can Reschedule, or Publish now once it is approved.`,
          buttons: [],
        };
      }
      return {
        text: `The publish time (${formatInZone(at(d.publishAt), zone)}) has passed, so nothing was published. The author can Reschedule or Publish now.`,
        buttons: [],
      };
    case 'changes_requested':
      return { text: `${who} requested changes: “${q(d.comment)}”`, buttons: [] };
    case 'rejected':
      return { text: `${who} rejected this post: “${q(d.reason)}”`, buttons: [] };
    case 'edited':
      return {
        text: d.approvalsVoided ? `${who} edited the post; the earlier approvals no longer count, so it is back in review.` : `${who} edited the post.`,
        buttons: [],
      };
    case 'rescheduled':
      return {
        text: `${who} moved the publish time to ${formatInZone(at(d.publishAt), zone)}${d.approvalsVoided ? '; it needs approval again' : ''}.`,
        buttons: [],
      };
    case 'publish_now':
      return { text: `${who} asked to publish now.`, buttons: [] };
    case 'canceled':
      return { text: `Canceled by ${who}.`, buttons: [] };
    case 'delivery_published':
      return { text: `Published to ${label} at ${formatTimeOfDay(at(d.publishedAt), zone)}${partsNote(d)}: ${d.url}`, buttons: [] };
    case 'delivery_failed':
      return retry(`${label} failed${partsNote(d, true)}: ${q(d.reason)}`);
    case 'delivery_needs_reconnect':
      return {
        text: `${label} failed: ${sentence(q(d.reason))} Reconnect ${label}, then retry.`,
        buttons: [
          { kind: 'link', label: `Reconnect ${label}`, url: links.reconnect(network ?? 'x') },
          { kind: 'action', label: `Retry ${label}`, action: 'retry_delivery', value: String(event.delivery_id) },
        ],
      };
    case 'delivery_unconfirmed':
      return {
        text: `${label}: the network did not answer after the post was sent, and Greenlight cannot look it up. Is it live? ${q(d.reason)}`.trim(),
        buttons: [
          { kind: 'action', label: 'It is live', action: 'confirm_live', value: String(event.delivery_id), style: 'primary' },
          { kind: 'action', label: 'Publish again', action: 'publish_again', value: String(event.delivery_id), style: 'danger' },
        ],
      };
    case 'delivery_held':
      return {
        text: d.reason === 'paused' ? `${label} is on hold: publishing is paused for this workspace.` : `${label} is on hold until the account is reconnected.`,
        buttons: [],
      };
    case 'delivery_late':
      return {
        text: `${label} was held past its time (${formatInZone(at(d.dueAt), zone)}). Publish it late?`,
        buttons: [{ kind: 'action', label: `Publish ${label} late`, action: 'publish_late', value: String(event.delivery_id), style: 'primary' }],
      };
    case 'delivery_retrying':
      return { text: `${label} is busy (${q(d.reason)}); retrying at ${formatTimeOfDay(at(d.retryAt), zone)}.`, buttons: [] };
    case 'delivery_rate_limited':
      return { text: rateLimitedText(label, d, zone, at(d.until), event.created_at, quote), buttons: [] };
    case 'delivery_confirmed':
      return { text: `${who} confirmed the ${label} post is live.`, buttons: [] };
    case 'delivery_retry_requested':
      return { text: `${who} asked to retry ${label}.`, buttons: [] };
    case 'account_reconnected':
      return d.retry ? retry(`${label} reconnected: press Retry.`) : { text: `${label} reconnected; publishing continues.`, buttons: [] };
    case 'account_disconnected':
      return {
        text: `${label} account ${q(d.account)} was disconnected by ${who}. This post waits until it is reconnected.`,
        buttons: [{ kind: 'link', label: `Reconnect ${label}`, url: links.reconnect(network ?? 'x') }],
      };
    case 'media_refused':
      return {
        text: `<@${String(d.author)}>, ${q(d.reason)} The post is back with you without its files, its text kept: press Edit to attach them again.`,
        buttons: [],
      };
    case 'metrics_summary':
      return { text: summaryFromEventData(d), buttons: [] };
    case 'account_needs_reconnect':
      return {
        text: `${label} needs a reconnect: ${sentence(q(d.reason))} This post waits until it is reconnected.`,
        buttons: [{ kind: 'link', label: `Reconnect ${label}`, url: links.reconnect(network ?? 'x') }],
      };
    default:
      return undefined;
  }
}

/**
 * "X is at its limit of 100 posts per 15 minutes for @greenlight; this post waits until 14:05." A wait
 * past the next 12 hours (Instagram's 24-hour window) names the day too.
 */
function rateLimitedText(label: string, d: Record<string, unknown>, zone: string, until: Date, told: Date, quote: (text: string) => string): string {
  const when = until.getTime() - told.getTime() > 12 * 3_600_000 ? formatInZone(until, zone) : formatTimeOfDay(until, zone);
  const account = d.account ? ` for ${quote(String(d.account))}` : '';
  const why = d.limit ? `${label} is at its limit of ${d.limit}${account}` : `${label} asked Greenlight to slow down${account}`;
  return `${why}; this post waits until ${when}.`;
}

/** "for LinkedIn, Bluesky; X held" when the approver held some networks back. */
function approvedFor(d: Record<string, unknown>): string {
  if (!Array.isArray(d.held) || !Array.isArray(d.networks)) return '';
  return ` for ${list(d.networks)}; ${list(d.held)} held`;
}

/** Network ids as the team reads them: "LinkedIn, Bluesky". */
function list(values: unknown[]): string {
  return values.map((n) => (typeof n === 'string' && isNetwork(n) ? NETWORK_LABELS[n] : String(n))).join(', ');
}

/** The network's words end a sentence before ours begins ("...was revoked. Reconnect Mastodon"). */
function sentence(value: unknown): string {
  const text = String(value ?? '').trim();
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

function partsNote(d: Record<string, unknown>, failed = false): string {
  const total = Number(d.totalParts ?? 1);
  const done = Number(d.publishedParts ?? (failed ? 0 : total));
  if (total <= 1) return '';
  return failed ? ` after ${done} of ${total} parts were published` : ` (${total} parts)`;
}
