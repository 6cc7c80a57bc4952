import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { verifyMediaUrl } from '../crypto/media-url.ts';
import type { Db } from '../db/database.ts';
import { findServableMedia, type MediaBytes, readMedia } from '../db/media-store.ts';
import type { Logger } from '../log.ts';
import { sendJson, type Mount } from './server.ts';

export interface MediaRouteDeps {
  db: Db;
  /** Where media bytes live (MEDIA_STORE); default PostgreSQL. */
  mediaBytes?: MediaBytes | undefined;
  /** STATE_SECRET: the key media URLs are signed with (src/crypto/media-url.ts). */
  secret: string;
  now: () => Date;
  log: Logger;
}

/**
 * GET/HEAD `/media/<id>?exp=…&sig=…`: streams a stored file to a network that pulls images from a
 * URL. 403 for a missing, bad or expired signature; 404 unless the file is ready and its post is
 * approved, scheduled or publishing. One byte range is served as 206 (networks and proxies resume
 * downloads); several ranges get the whole file, which RFC 9110 allows.
 */
export function mediaMount(deps: MediaRouteDeps): Mount {
  return { prefix: '/media', listener: (req, res) => void serveMedia(deps, req, res).catch((error: unknown) => failed(deps, res, error)) };
}

function failed(deps: MediaRouteDeps, res: ServerResponse, error: unknown): void {
  deps.log.error({ err: error }, 'serving media failed');
  if (!res.headersSent) sendJson(res, 500, { error: 'internal_error' });
  else res.destroy();
}

async function serveMedia(deps: MediaRouteDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('allow', 'GET, HEAD');
    return sendJson(res, 405, { error: 'method_not_allowed', message: 'media URLs answer GET and HEAD only' });
  }
  const url = new URL(req.url ?? '/', 'http://localhost');
  const match = /^\/media\/([^/]+)$/.exec(url.pathname);
  if (!match) return sendJson(res, 404, { error: 'not_found', message: 'no such media' });
  const id = match[1]!;
  const verdict = verifyMediaUrl(id, url.searchParams.get('exp'), url.searchParams.get('sig'), deps.secret, deps.now());
  if (!verdict.ok) {
    const message = verdict.reason === 'expired' ? 'this media link has expired' : 'this media link is not signed by Greenlight';
    return sendJson(res, 403, { error: `media_${verdict.reason}`, message });
  }
  const media = await findServableMedia(deps.db, id);
  if (!media) return sendJson(res, 404, { error: 'not_found', message: 'no such media, or its post is not approved or scheduled' });

  const headers: Record<string, string | number> = {
    'content-type': media.content_type,
    'accept-ranges': 'bytes',
    etag: `"${media.sha256}"`,
    'cache-control': 'private, max-age=300',
    'x-content-type-options': 'nosniff',
    'content-disposition': 'inline',
  };
  const range = parseRange(req.headers.range, media.bytes);
  if (range === 'unsatisfiable') {
    res.writeHead(416, { ...headers, 'content-range': `bytes */${media.bytes}` });
    return void res.end();
  }
  const status = range ? 206 : 200;
  const { start, end } = range ?? { start: 0, end: media.bytes - 1 };
  res.writeHead(status, {
    ...headers,
    'content-length': end - start + 1,
    ...(range ? { 'content-range': `bytes ${start}-${end}/${media.bytes}` } : {}),
  });
  if (req.method === 'HEAD') return void res.end();
  // Piece by piece from the store, at the pace the client reads (pipeline waits on backpressure).
  try {
    await pipeline(Readable.from(readMedia(deps, media, { start, end })), res);
  } catch (error) {
    // A client that hangs up mid-file (a network resuming later with a Range) is no failure of ours.
    if ((error as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE') return;
    throw error;
  }
}

/**
 * One `bytes=` range (RFC 9110 §14.1.2) as inclusive offsets; undefined to send the whole file
 * (no header, several ranges, another unit or a malformed one, as the RFC lets a server ignore it).
 */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  if (!header) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(match[1]);
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (!Number.isSafeInteger(start) || start >= size) return 'unsatisfiable';
  if (end < start) return undefined;
  return { start, end };
}
