import type { Credentials, NetworkError, PostMetrics } from './adapter.ts';
import { asRecord, parseJson, send, str, type HttpCall, type HttpOptions, type HttpResponse } from './http.ts';
import { chunks, count, defined } from './metrics-util.ts';

/**
 * LinkedIn (Community Management API, versioned /rest, Rest.li 2.0 lists):
 * - an organization's posts: GET /rest/organizationalEntityShareStatistics?q=organizationalEntity
 *   &organizationalEntity=<org>&shares=List(…)&ugcPosts=List(…) → totalShareStatistics
 *   (impressionCount, likeCount, commentCount, shareCount);
 * - a member's posts: GET /rest/socialActions?ids=List(…) (batch get) → likesSummary.totalLikes and
 *   commentsSummary.aggregatedTotalComments; LinkedIn gives members no impressions or reshares there.
 */
const BATCH = 20;

export interface LinkedInMetricsContext {
  base: string;
  http: HttpOptions;
  headers: (creds: Credentials) => Record<string, string>;
  error: (res: HttpResponse, call: HttpCall) => NetworkError;
}

const list = (urns: string[]) => `List(${urns.map(encodeURIComponent).join(',')})`;

export async function linkedInMetrics(ctx: LinkedInMetricsContext, creds: Credentials, urns: string[], signal: AbortSignal): Promise<Map<string, PostMetrics>> {
  const found = new Map<string, PostMetrics>();
  const isOrganization = creds.accountId.startsWith('urn:li:organization:');
  for (const batch of chunks([...new Set(urns)], BATCH)) {
    const answered = isOrganization ? await organizationStats(ctx, creds, batch, signal) : await socialActions(ctx, creds, batch, signal);
    for (const [urn, metrics] of answered) found.set(urn, metrics);
  }
  return found;
}

async function get(ctx: LinkedInMetricsContext, creds: Credentials, url: string, signal: AbortSignal): Promise<Record<string, unknown>> {
  const call: HttpCall = {
    method: 'GET',
    url,
    headers: ctx.headers(creds),
    signal,
    what: 'read post metrics',
    secrets: [creds.accessToken, creds.refreshToken ?? ''],
  };
  const res = await send(ctx.http, call);
  if (res.status !== 200) throw ctx.error(res, call);
  return asRecord(parseJson(res.body));
}

async function organizationStats(ctx: LinkedInMetricsContext, creds: Credentials, urns: string[], signal: AbortSignal): Promise<Map<string, PostMetrics>> {
  const shares = urns.filter((u) => u.startsWith('urn:li:share:'));
  const ugcPosts = urns.filter((u) => !u.startsWith('urn:li:share:'));
  const query = [
    'q=organizationalEntity',
    `organizationalEntity=${encodeURIComponent(creds.accountId)}`,
    ...(shares.length ? [`shares=${list(shares)}`] : []),
    ...(ugcPosts.length ? [`ugcPosts=${list(ugcPosts)}`] : []),
  ].join('&');
  const json = await get(ctx, creds, `${ctx.base}/rest/organizationalEntityShareStatistics?${query}`, signal);
  const found = new Map<string, PostMetrics>();
  for (const element of (Array.isArray(json.elements) ? json.elements : []).map(asRecord)) {
    const urn = str(element.share) ?? str(element.ugcPost);
    const s = asRecord(element.totalShareStatistics);
    if (urn)
      found.set(
        urn,
        defined({ likes: count(s.likeCount), reposts: count(s.shareCount), replies: count(s.commentCount), impressions: count(s.impressionCount) }),
      );
  }
  return found;
}

async function socialActions(ctx: LinkedInMetricsContext, creds: Credentials, urns: string[], signal: AbortSignal): Promise<Map<string, PostMetrics>> {
  const json = await get(ctx, creds, `${ctx.base}/rest/socialActions?ids=${list(urns)}`, signal);
  const found = new Map<string, PostMetrics>();
  for (const [urn, value] of Object.entries(asRecord(json.results))) {
    const actions = asRecord(value);
    const comments = asRecord(actions.commentsSummary);
    found.set(
      urn,
      defined({
        likes: count(asRecord(actions.likesSummary).totalLikes),
        replies: count(comments.aggregatedTotalComments) ?? count(comments.totalFirstLevelComments),
      }),
    );
  }
  return found;
}
