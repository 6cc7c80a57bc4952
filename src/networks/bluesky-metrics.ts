import type { Credentials, NetworkError, PostMetrics } from './adapter.ts';
import { asRecord, parseJson, send, str, type HttpCall, type HttpOptions, type HttpResponse } from './http.ts';
import { chunks, count, defined, sumReported } from './metrics-util.ts';

/**
 * Bluesky: app.bsky.feed.getPosts (up to 25 at-uris a call) through the account's PDS, which hands
 * app.bsky.* to its AppView. likeCount → likes, repostCount + quoteCount → reposts, replyCount →
 * replies; Bluesky counts no impressions. A PDS with no AppView (a self-hosted one without
 * `bskyAppViewUrl`, the test PDS) cannot answer: then every post is "not reported" rather than an
 * error that would retry forever. A token refused or a rate limit still throws.
 */
export const BLUESKY_GET_POSTS_MAX = 25;

export interface BlueskyMetricsContext {
  service: (creds: Credentials) => string;
  http: HttpOptions;
  error: (res: HttpResponse, call: HttpCall) => NetworkError;
}

export async function blueskyMetrics(ctx: BlueskyMetricsContext, creds: Credentials, uris: string[], signal: AbortSignal): Promise<Map<string, PostMetrics>> {
  const found = new Map<string, PostMetrics>();
  for (const batch of chunks([...new Set(uris)], BLUESKY_GET_POSTS_MAX)) {
    const query = batch.map((uri) => `uris=${encodeURIComponent(uri)}`).join('&');
    const call: HttpCall = {
      method: 'GET',
      url: `${ctx.service(creds)}/xrpc/app.bsky.feed.getPosts?${query}`,
      headers: { authorization: `Bearer ${creds.accessToken}` },
      signal,
      what: 'read post metrics',
      secrets: [creds.accessToken, creds.refreshToken ?? ''],
    };
    const res = await send(ctx.http, call);
    if (res.status !== 200) {
      const error = ctx.error(res, call);
      if (error.errorClass === 'auth' || error.errorClass === 'rate_limited' || (error.errorClass === 'transient' && res.status !== 501)) throw error;
      for (const uri of batch) found.set(uri, {});
      continue;
    }
    const posts = asRecord(parseJson(res.body)).posts;
    for (const post of (Array.isArray(posts) ? posts : []).map(asRecord)) {
      const uri = str(post.uri);
      if (!uri) continue;
      found.set(
        uri,
        defined({ likes: count(post.likeCount), reposts: sumReported(count(post.repostCount), count(post.quoteCount)), replies: count(post.replyCount) }),
      );
    }
  }
  return found;
}
