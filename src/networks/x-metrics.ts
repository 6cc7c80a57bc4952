import type { Credentials, NetworkError, PostMetrics } from './adapter.ts';
import { asRecord, parseJson, send, str, type HttpCall, type HttpOptions, type HttpResponse } from './http.ts';
import { chunks, count, defined, sumReported } from './metrics-util.ts';

/**
 * X post lookup: GET /2/tweets?ids=…&tweet.fields=public_metrics, up to 100 ids a call (X's limit).
 * like_count → likes, retweet_count + quote_count → reposts, reply_count → replies, impression_count →
 * impressions only where X returns it. Ids X cannot find come back in `errors` and are left out.
 */
export const X_LOOKUP_MAX_IDS = 100;

export interface XMetricsContext {
  base: string;
  http: HttpOptions;
  error: (res: HttpResponse, call: HttpCall) => NetworkError;
}

export async function xMetrics(ctx: XMetricsContext, creds: Credentials, ids: string[], signal: AbortSignal): Promise<Map<string, PostMetrics>> {
  const found = new Map<string, PostMetrics>();
  for (const batch of chunks([...new Set(ids)], X_LOOKUP_MAX_IDS)) {
    const url = `${ctx.base}/2/tweets?ids=${batch.map(encodeURIComponent).join(',')}&tweet.fields=public_metrics`;
    const call: HttpCall = {
      method: 'GET',
      url,
      headers: { authorization: `Bearer ${creds.accessToken}` },
      signal,
      what: 'look up post metrics',
      secrets: [creds.accessToken, creds.refreshToken ?? ''],
    };
    const res = await send(ctx.http, call);
    if (res.status !== 200) throw ctx.error(res, call);
    const data = asRecord(parseJson(res.body)).data;
    for (const post of (Array.isArray(data) ? data : []).map(asRecord)) {
      const id = str(post.id);
      if (id) found.set(id, readPublicMetrics(asRecord(post.public_metrics)));
    }
  }
  return found;
}

function readPublicMetrics(m: Record<string, unknown>): PostMetrics {
  return defined({
    likes: count(m.like_count),
    reposts: sumReported(count(m.retweet_count), count(m.quote_count)),
    replies: count(m.reply_count),
    impressions: count(m.impression_count),
  });
}
