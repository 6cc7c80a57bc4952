import { NetworkError, type Credentials, type PostMetrics } from './adapter.ts';
import { graphCall, type GraphCtx } from './meta-graph.ts';
import { asRecord, str } from './http.ts';
import { count, defined, sumReported } from './metrics-util.ts';

/**
 * Metrics on Meta's Graph networks, one post a call (the multi-id read fails whole when one id is gone):
 * - Facebook: GET /{post-id}?fields=reactions.summary(total_count).limit(0),comments.summary(total_count)
 *   .limit(0),shares. Graph leaves `shares` out of a post nobody shared, so an answer that has the
 *   reactions summary but no `shares` means 0 shares. No impressions here (page insights need read_insights).
 * - Instagram: GET /{media-id}/insights?metric=views,likes,comments,shares (views replaced impressions in v22).
 * - Threads: GET /{media-id}/insights?metric=views,likes,replies,reposts,quotes.
 * A post Graph says does not exist (code 100, subcode 33) is left out.
 */
type Reader = (ctx: GraphCtx, creds: Credentials, id: string, signal: AbortSignal) => Promise<PostMetrics>;

export async function graphMetrics(ctx: GraphCtx, creds: Credentials, ids: string[], signal: AbortSignal, read: Reader): Promise<Map<string, PostMetrics>> {
  const found = new Map<string, PostMetrics>();
  for (const id of new Set(ids)) {
    try {
      found.set(id, await read(ctx, creds, id, signal));
    } catch (error) {
      if (error instanceof NetworkError && error.networkCode === '100/33') continue;
      throw error;
    }
  }
  return found;
}

const FACEBOOK_FIELDS = 'reactions.summary(total_count).limit(0),comments.summary(total_count).limit(0),shares';

export const readFacebookPost: Reader = async (ctx, creds, id, signal) => {
  const json = await graphCall(ctx, creds, {
    method: 'GET',
    path: `/${encodeURIComponent(id)}`,
    params: { fields: FACEBOOK_FIELDS },
    what: 'read post metrics',
    signal,
  });
  const likes = count(asRecord(asRecord(json.reactions).summary).total_count);
  const shares = json.shares === undefined && likes !== undefined ? 0 : count(asRecord(json.shares).count);
  return defined({ likes, reposts: shares, replies: count(asRecord(asRecord(json.comments).summary).total_count) });
};

export const readInstagramMedia: Reader = async (ctx, creds, id, signal) => {
  const values = await insights(ctx, creds, id, 'views,likes,comments,shares', signal);
  return defined({ likes: values.likes, reposts: values.shares, replies: values.comments, impressions: values.views });
};

export const readThreadsPost: Reader = async (ctx, creds, id, signal) => {
  const values = await insights(ctx, creds, id, 'views,likes,replies,reposts,quotes', signal);
  return defined({ likes: values.likes, reposts: sumReported(values.reposts, values.quotes), replies: values.replies, impressions: values.views });
};

/** `{data:[{name, period, values:[{value}]} | {name, total_value:{value}}]}` as a name → count map. */
async function insights(ctx: GraphCtx, creds: Credentials, id: string, metric: string, signal: AbortSignal): Promise<Record<string, number | undefined>> {
  const json = await graphCall(ctx, creds, {
    method: 'GET',
    path: `/${encodeURIComponent(id)}/insights`,
    params: { metric },
    what: 'read post insights',
    signal,
  });
  const out: Record<string, number | undefined> = {};
  for (const entry of (Array.isArray(json.data) ? json.data : []).map(asRecord)) {
    const name = str(entry.name);
    const first = asRecord(Array.isArray(entry.values) ? entry.values[0] : undefined);
    if (name) out[name] = count(asRecord(entry.total_value).value) ?? count(first.value);
  }
  return out;
}
