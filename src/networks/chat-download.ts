import type { Readable } from 'node:stream';
import { request } from 'undici';
import { guardedAgent, guardedUrl, outboundPolicy, type OutboundPolicy } from './outbound.ts';

/**
 * Streams a file a person attached in a chat (Slack's url_private_download, a Discord CDN link)
 * through the guarded outbound client: every hop's address is checked, redirects are followed by
 * hand (at most MAX_HOPS), and the credentials `headersFor` gives are sent only to the hosts it
 * chooses (Slack: its own), never to wherever a redirect leads. The body is never whole in memory,
 * and stops at `maxBytes`. A web page where a file was expected (Slack's sign-in page when the token
 * may not read the file) is refused, not stored.
 */
const MAX_HOPS = 5;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export type ChatDownloadProblem = 'gone' | 'forbidden' | 'not_a_file' | 'too_large' | 'unavailable';

export class ChatDownloadError extends Error {
  readonly problem: ChatDownloadProblem;
  readonly status: number | undefined;
  constructor(problem: ChatDownloadProblem, message: string, status?: number) {
    super(message);
    this.name = 'ChatDownloadError';
    this.problem = problem;
    this.status = status;
  }
}

export interface ChatDownload {
  contentType: string;
  /** Content-Length when the server said it. */
  length: number | undefined;
  body: AsyncIterable<Uint8Array>;
}

export interface ChatDownloadOptions {
  /** Headers for a request to `url` (credentials only for the chat's own hosts). */
  headersFor: (url: URL) => Record<string, string>;
  signal: AbortSignal;
  maxBytes: number;
  timeoutMs?: number;
  policy?: OutboundPolicy;
}

export async function openChatDownload(url: string, options: ChatDownloadOptions): Promise<ChatDownload> {
  const policy = options.policy ?? outboundPolicy();
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 30_000);
  const signal = AbortSignal.any([options.signal, timeout]);
  let where = guardedUrl(url, policy);
  for (let hop = 0; ; hop++) {
    const res = await request(where, { method: 'GET', headers: options.headersFor(where), dispatcher: guardedAgent(policy), signal }).catch(
      (error: unknown) => {
        throw new ChatDownloadError('unavailable', `the chat did not answer (${error instanceof Error ? error.message : String(error)})`);
      },
    );
    const location = REDIRECTS.has(res.statusCode) ? header(res.headers.location) : undefined;
    if (location !== undefined) {
      await res.body.dump();
      if (hop >= MAX_HOPS) throw new ChatDownloadError('unavailable', `more than ${MAX_HOPS} redirects`, res.statusCode);
      where = guardedUrl(new URL(location, where), policy);
      continue;
    }
    const contentType = (header(res.headers['content-type']) ?? '').split(';')[0]!.trim().toLowerCase();
    if (res.statusCode !== 200) {
      await res.body.dump();
      const problem =
        res.statusCode === 404 || res.statusCode === 410 ? 'gone' : res.statusCode === 401 || res.statusCode === 403 ? 'forbidden' : 'unavailable';
      throw new ChatDownloadError(problem, `HTTP ${res.statusCode}`, res.statusCode);
    }
    if (contentType === 'text/html') {
      await res.body.dump();
      // Slack's answer to a token that may not read the file: its sign-in page, with 200.
      throw new ChatDownloadError('forbidden', 'the chat answered with a web page, not the file', res.statusCode);
    }
    const length = Number(header(res.headers['content-length']));
    if (Number.isFinite(length) && length > options.maxBytes) {
      await res.body.dump();
      throw new ChatDownloadError('too_large', `${length} bytes`, res.statusCode);
    }
    return { contentType, length: Number.isFinite(length) ? length : undefined, body: capped(res.body, options.maxBytes) };
  }
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

async function* capped(body: Readable, maxBytes: number): AsyncGenerator<Uint8Array> {
  let total = 0;
  try {
    for await (const piece of body as AsyncIterable<Uint8Array>) {
      total += piece.byteLength;
      if (total > maxBytes) throw new ChatDownloadError('too_large', `more than ${maxBytes} bytes`);
      yield piece;
    }
  } finally {
    if (!body.destroyed) body.destroy();
  }
}
