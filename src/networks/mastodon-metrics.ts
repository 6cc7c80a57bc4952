import type { Credentials, NetworkError, PostMetrics } from './adapter.ts';
import { asRecord, parseJson, send, type HttpCall, type HttpOptions, type HttpResponse } from './http.ts';
import { count, defined } from './metrics-util.ts';

/**
 * Mastodon: GET /api/v1/statuses/:id, one status a call (sequential: 300 calls per 5 minutes is the
 * account's whole budget). favourites_count → likes, reblogs_count → reposts, replies_count → replies.
 * Mastodon counts no impressions. A status the instance no longer has (404) is left out.
 */
export interface MastodonMetricsContext {
  instance: (creds: Credentials) => string;
  http: HttpOptions;
  error: (res: HttpResponse, call: HttpCall) => NetworkError;
}

export async function mastodonMetrics(ctx: MastodonMetricsContext, creds: Credentials, ids: string[], signal: AbortSignal): Promise<Map<string, PostMetrics>> {
  const found = new Map<string, PostMetrics>();
  for (const id of new Set(ids)) {
    const call: HttpCall = {
      method: 'GET',
      url: `${ctx.instance(creds)}/api/v1/statuses/${encodeURIComponent(id)}`,
      headers: { authorization: `Bearer ${creds.accessToken}` },
      signal,
      what: 'read post metrics',
      secrets: [creds.accessToken],
    };
    const res = await send(ctx.http, call);
    if (res.status === 404) continue;
    if (res.status !== 200) throw ctx.error(res, call);
    const status = asRecord(parseJson(res.body));
    found.set(id, defined({ likes: count(status.favourites_count), reposts: count(status.reblogs_count), replies: count(status.replies_count) }));
  }
  return found;
}
