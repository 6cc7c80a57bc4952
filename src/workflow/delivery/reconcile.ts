import { listParts, savePart } from '../../db/deliveries.ts';
import type { Credentials, NetworkAdapter, RecentPost } from '../../networks/adapter.ts';
import type { WorkflowDeps } from '../deps.ts';
import type { DeliveryContext } from './load-delivery.ts';

export type Verdict = 'resume' | 'complete' | 'unconfirmed';

/**
 * After an attempt whose outcome is unknown (a timeout after sending, a worker killed mid-call), look
 * at the account's recent posts before sending anything again. Parts found there are recorded as
 * published; the delivery then resumes after them, or is complete. Where the network offers no way
 * to look, the team decides (`unconfirmed`): Greenlight never guesses.
 */
export async function reconcile(
  deps: WorkflowDeps,
  context: DeliveryContext,
  adapter: NetworkAdapter,
  credentials: Credentials,
  parts: string[],
  signal: AbortSignal,
): Promise<Verdict> {
  const { delivery } = context;
  let next = (await listParts(deps.db, delivery.id)).length;
  if (next >= parts.length) return 'complete';
  // Nothing of this delivery can predate the delivery itself.
  const recent = await adapter.recentPosts(credentials, new Date(delivery.created_at.getTime() - 60_000), signal);
  if (!recent) return 'unconfirmed';
  while (next < parts.length) {
    const found = findPart(recent, parts[next]!);
    if (!found) break;
    await savePart(deps.db, delivery.id, { position: next, externalId: found.externalId, url: found.url });
    deps.log.info(
      { postId: delivery.post_id, deliveryId: delivery.id, network: delivery.network, position: next },
      'reconciled: the part was already published',
    );
    next += 1;
  }
  return next >= parts.length ? 'complete' : 'resume';
}

function findPart(recent: RecentPost[], text: string): RecentPost | undefined {
  const wanted = comparable(text);
  return recent.find((post) => comparable(post.text) === wanted);
}

/**
 * Networks hand text back changed: X shortens links to t.co, Mastodon returns HTML. Compare without
 * links, tags and spacing, which still tells two different posts apart.
 */
export function comparable(text: string): string {
  return text
    .replace(/<br\s*\/?>/gi, ' ')
    .replace(/<\/p>\s*<p>/gi, ' ')
    .replace(/<[^>]+>/g, '')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/https?:\/\/\S+/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}
