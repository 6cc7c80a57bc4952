import type { Dispatcher } from 'undici';
import { SIGNATURE_HEADER, signatureHeader } from '../crypto/webhook-signature.ts';
import type { Credentials, ErrorClass, MediaItem, NetworkAdapter, PublishedPart } from './adapter.ts';
import {
  asRecord,
  header,
  makeError,
  parseJson,
  publishThread,
  send,
  str,
  type HttpCall,
  type HttpOptions,
  type HttpResponse,
  type PartToPost,
} from './http.ts';

/**
 * The webhook network: a team's own blog or CMS. Each delivery is one signed JSON POST to the URL the
 * team connected (`Credentials.instanceUrl`), signed with the secret shown to them once
 * (`Credentials.accessToken`), carrying `Idempotency-Key: <delivery id>` so the receiver can refuse a
 * retried request it already took. Any 2xx is success; the receiver may answer `{"id", "url"}` so the
 * receipt links to the published page. Wire format: docs/webhooks.md.
 */

export interface WebhookAdapterOptions {
  dispatcher?: Dispatcher;
  timeoutMs?: number;
  now?: () => Date;
}

interface Ctx {
  http: HttpOptions;
  now: () => Date;
}

export function createWebhookAdapter(options: WebhookAdapterOptions = {}): NetworkAdapter {
  // The URL is the team's own: every delivery goes through the outbound guard (src/networks/outbound.ts).
  const ctx: Ctx = {
    http: { network: 'webhook', dispatcher: options.dispatcher, timeoutMs: options.timeoutMs ?? 30_000, guard: true },
    now: options.now ?? (() => new Date()),
  };
  return {
    network: 'webhook',
    // The Idempotency-Key lets the receiver refuse a second copy: a retry after an unknown outcome is safe.
    idempotent: true,
    publish: (req, creds) =>
      publishThread(
        'webhook',
        req,
        async () => [],
        (part) => postPart(ctx, req.deliveryId, part, req.media, creds, req.signal),
      ),
    // A team's endpoint offers no list of what it took; the Idempotency-Key stands in for a lookup.
    recentPosts: async () => undefined,
  };
}

/** The JSON body of one delivery, as docs/webhooks.md describes it. */
export function publishBody(deliveryId: string, text: string, media: MediaItem[]): string {
  return JSON.stringify({ type: 'post.publish', delivery_id: deliveryId, text, media: media.map(mediaEntry) });
}

/**
 * A typed link as it was; a stored file as its signed, expiring Greenlight URL (valid an hour from the
 * attempt: fetch it while handling the request) with what the store knows of it.
 */
function mediaEntry(m: MediaItem): Record<string, unknown> {
  const entry = { url: m.url, alt: m.alt ?? null };
  const f = m.stored;
  return f ? { ...entry, filename: f.filename, content_type: f.contentType, bytes: f.bytes, width: f.width, height: f.height } : entry;
}

async function postPart(ctx: Ctx, deliveryId: string, part: PartToPost, media: MediaItem[], creds: Credentials, signal: AbortSignal): Promise<PublishedPart> {
  const url = creds.instanceUrl;
  if (!url) throw makeError('webhook', [], { errorClass: 'permanent', message: 'the webhook account has no URL' });
  const body = publishBody(deliveryId, part.text, part.position === 0 ? media : []);
  const call: HttpCall = {
    method: 'POST',
    url,
    headers: {
      'content-type': 'application/json',
      'user-agent': 'Greenlight-Webhook/1',
      'idempotency-key': deliveryId,
      [SIGNATURE_HEADER]: signatureHeader(creds.accessToken, body, ctx.now()),
    },
    body,
    signal,
    creates: true,
    what: 'deliver post',
    secrets: [creds.accessToken],
    maxBytes: 64 * 1024,
    // A 2xx means the receiver has the post, whatever its body: an oversized or unreadable one is ignored.
    tolerateBody: true,
  };
  const res = await send(ctx.http, call);
  if (res.status < 200 || res.status >= 300) throw webhookError(res, call);
  const json = asRecord(parseJson(res.body));
  return { position: part.position, externalId: str(json.id) ?? deliveryId, url: pageUrl(str(json.url)) ?? url };
}

function pageUrl(value: string | undefined): string | undefined {
  if (!value) return undefined;
  try {
    const parsed = new URL(value);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.toString() : undefined;
  } catch {
    return undefined;
  }
}

function classify(status: number): ErrorClass {
  if (status === 429) return 'rate_limited';
  if (status === 408 || status >= 500) return 'transient';
  return 'permanent';
}

/**
 * 4xx (and redirects, which are not followed) are the receiver saying no; 5xx and 408 may pass. Only the
 * status is kept: the receiver's body is never shown in chat or stored (it may be an internal page).
 */
export function webhookError(res: HttpResponse, call: HttpCall) {
  const errorClass = classify(res.status);
  return makeError('webhook', call.secrets, {
    errorClass,
    status: res.status,
    message: `Webhook ${call.what} failed: HTTP ${res.status}${res.status >= 300 && res.status < 400 ? ' (redirects are not followed)' : ''}`,
    retryAt: errorClass === 'rate_limited' ? retryAfter(header(res, 'retry-after')) : undefined,
  });
}

function retryAfter(value: string | undefined): Date | undefined {
  if (!value) return undefined;
  const at = /^\d+$/.test(value) ? new Date(Date.now() + Number(value) * 1000) : new Date(value);
  return Number.isNaN(at.getTime()) ? undefined : at;
}
