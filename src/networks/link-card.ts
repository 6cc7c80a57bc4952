import { Parser } from 'htmlparser2';
import type { Dispatcher } from 'undici';
import { PREVIEW_DESCRIPTION_MAX, PREVIEW_TITLE_MAX } from '../domain/link-preview.ts';
import { NetworkError } from './adapter.ts';
import { downloadMedia, header, send, type DownloadedMedia, type HttpOptions, type HttpResponse } from './http.ts';
import type { OutboundPolicy } from './outbound.ts';

/**
 * Reads a page's link card (Open Graph, then Twitter-card tags, then <title> and the description meta)
 * for the approval card and the networks that take a card from the caller. The address is a user's, so
 * every hop goes through the guarded client (src/networks/outbound.ts): redirects are followed here, each
 * new address checked again; the whole read has one deadline; only the first PAGE_MAX_BYTES are read (the
 * tags are in the head, and a page may be endless). The HTML is parsed by htmlparser2, a streaming,
 * forgiving parser that decodes entities: tags in odd attribute orders, quotes or casing are still found,
 * which regular expressions over HTML get wrong. Open Graph libraries that fetch by themselves
 * (open-graph-scraper, metascraper's got-based helpers) would bypass the guard, so we fetch and they
 * would only parse; htmlparser2 alone is that parse.
 */

export interface PageCard {
  /** The address the author typed (not where it redirected to: that is the remote's answer). */
  url: string;
  title: string;
  description: string;
  /** Absolute image address the page names, if any (read with readCardImage, guarded like the page). */
  imageUrl: string | undefined;
}

export type PageCardResult = { ok: true; card: PageCard } | { ok: false; reason: string };

export interface ReadCardOptions {
  signal: AbortSignal;
  /** The whole read, redirects included (LINK_PREVIEW_TIMEOUT_MS). */
  timeoutMs: number;
  /** Bytes of the page read at most; the rest is never downloaded. */
  maxBytes?: number;
  dispatcher?: Dispatcher | undefined;
  /** Default: the process's outbound policy. */
  guard?: true | OutboundPolicy;
}

export const PAGE_MAX_BYTES = 512 * 1024;
const MAX_REDIRECTS = 5;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const HTML_TYPES = new Set(['text/html', 'application/xhtml+xml']);

export async function readPageCard(url: string, options: ReadCardOptions): Promise<PageCardResult> {
  const deadline = AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs)]);
  const http: HttpOptions = { network: 'webhook', dispatcher: options.dispatcher, timeoutMs: options.timeoutMs, guard: options.guard ?? true };
  let where: URL;
  try {
    where = new URL(url);
  } catch {
    return { ok: false, reason: 'the link is not a web address' };
  }
  let res: HttpResponse;
  try {
    for (let hop = 0; ; hop++) {
      res = await send(http, {
        method: 'GET',
        url: where.toString(),
        headers: { accept: 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.1', 'user-agent': 'Greenlight link preview' },
        signal: deadline,
        what: 'read page',
        maxBytes: options.maxBytes ?? PAGE_MAX_BYTES,
        truncate: true,
      });
      const location = REDIRECTS.has(res.status) ? header(res, 'location') : undefined;
      if (location === undefined) break;
      if (hop >= MAX_REDIRECTS) return { ok: false, reason: `the page redirects more than ${MAX_REDIRECTS} times` };
      const next = URL.parse(location, where.toString());
      if (!next) return { ok: false, reason: 'the page redirects to an address that is not a URL' };
      where = next;
    }
  } catch (err) {
    return { ok: false, reason: failureReason(err, deadline, options) };
  }
  if (res.status !== 200) return { ok: false, reason: `the page answered HTTP ${res.status}` };
  const [type = '', ...params] = (header(res, 'content-type') ?? '').split(';').map((s) => s.trim().toLowerCase());
  if (!HTML_TYPES.has(type)) return { ok: false, reason: `the link is not a web page (${type.replace(/[^\w.+/-]/g, '').slice(0, 60) || 'no content type'})` };
  const charset = params.find((p) => p.startsWith('charset='))?.slice(8);
  const tags = parseCardTags(decode(res.body, charset), where);
  if (!tags.title) return { ok: false, reason: 'the page has no title for a card' };
  return { ok: true, card: { url, title: tags.title, description: tags.description, imageUrl: tags.imageUrl } };
}

/** The card's image, guarded like the page; a refusal or failure is a card without image. */
export async function readCardImage(imageUrl: string, options: ReadCardOptions & { maxBytes: number }): Promise<DownloadedMedia | { problem: string }> {
  const deadline = AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs)]);
  const http: HttpOptions = { network: 'webhook', dispatcher: options.dispatcher, timeoutMs: options.timeoutMs, guard: options.guard ?? true };
  try {
    return await downloadMedia(http, imageUrl, deadline, options.maxBytes);
  } catch (err) {
    return { problem: failureReason(err, deadline, options) };
  }
}

function failureReason(err: unknown, deadline: AbortSignal, options: ReadCardOptions): string {
  if (deadline.aborted && !options.signal.aborted)
    return `the page did not answer within ${options.timeoutMs < 1000 ? `${options.timeoutMs} ms` : `${Math.round(options.timeoutMs / 1000)} s`}`;
  if (err instanceof NetworkError) {
    if (err.networkCode === 'outbound_refused') return err.message.replace(/^read page: /, 'the address ');
    if (/response larger than/.test(err.message)) return 'the image is too large';
    return err.message.replace(/^(read page|download media from \S+): /, 'the page could not be read: ');
  }
  return 'the page could not be read';
}

function decode(bytes: Buffer, charset: string | undefined): string {
  try {
    return new TextDecoder(charset ?? 'utf-8').decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes);
  }
}

export interface CardTags {
  title: string;
  description: string;
  imageUrl: string | undefined;
}

/**
 * The card tags of a page (first of a repeated tag wins, as the Open Graph protocol says): title from
 * og:title, twitter:title, then <title>; description from og:description, twitter:description, then
 * the description meta; image from og:image (secure_url first), then twitter:image, resolved against
 * the page's address. Parsing stops at <body>: card tags live in the head.
 */
export function parseCardTags(html: string, base: URL): CardTags {
  const meta = new Map<string, string>();
  let title = '';
  let inTitle = false;
  let done = false;
  const parser = new Parser(
    {
      onopentag(name, attrs) {
        if (done) return;
        if (name === 'body') done = true;
        else if (name === 'title') inTitle = true;
        else if (name === 'meta') {
          const key = (attrs.property ?? attrs.name ?? '').trim().toLowerCase();
          const content = attrs.content;
          if (key && content !== undefined && !meta.has(key)) meta.set(key, content);
        }
      },
      ontext(text) {
        if (inTitle && !done) title += text;
      },
      onclosetag(name) {
        if (name === 'title') inTitle = false;
        if (name === 'head') done = true;
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.write(html);
  parser.end();
  const first = (...keys: string[]) => keys.map((k) => clean(meta.get(k) ?? '')).find((v) => v !== '') ?? '';
  const image = first('og:image:secure_url', 'og:image', 'og:image:url', 'twitter:image', 'twitter:image:src');
  return {
    title: cut(first('og:title', 'twitter:title') || clean(title), PREVIEW_TITLE_MAX),
    description: cut(first('og:description', 'twitter:description', 'description'), PREVIEW_DESCRIPTION_MAX),
    imageUrl: image ? httpUrl(image, base) : undefined,
  };
}

const clean = (s: string) => s.replace(/\s+/g, ' ').trim();
const cut = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

function httpUrl(value: string, base: URL): string | undefined {
  const url = URL.parse(value, base.toString());
  return url && (url.protocol === 'https:' || url.protocol === 'http:') ? url.toString() : undefined;
}
