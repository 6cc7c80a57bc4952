import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { verifyCardImageUrl } from '../crypto/card-image-url.ts';
import type { Db } from '../db/database.ts';
import { findMedia, type MediaBytes, readMedia } from '../db/media-store.ts';
import type { Logger } from '../log.ts';
import { sendJson, type Mount } from './server.ts';

export interface CardImageRouteDeps {
  db: Db;
  /** Where media bytes live (MEDIA_STORE); default PostgreSQL. */
  mediaBytes?: MediaBytes | undefined;
  secret: string;
  now: () => Date;
  log: Logger;
}

/**
 * GET/HEAD `/card-image/<id>?exp=…&sig=…`: a post's stored image for its card (Slack's image block
 * fetches it). 403 without a valid signature, 404 unless the file is ready. Streams from the store.
 */
export function cardImageMount(deps: CardImageRouteDeps): Mount {
  return {
    prefix: '/card-image',
    listener: (req, res) =>
      void serve(deps, req, res).catch((error: unknown) => {
        deps.log.error({ err: error }, 'serving a card image failed');
        if (!res.headersSent) sendJson(res, 500, { error: 'internal_error' });
        else res.destroy();
      }),
  };
}

async function serve(deps: CardImageRouteDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('allow', 'GET, HEAD');
    return sendJson(res, 405, { error: 'method_not_allowed', message: 'card images answer GET and HEAD only' });
  }
  const url = new URL(req.url ?? '/', 'http://localhost');
  const id = /^\/card-image\/([^/]+)$/.exec(url.pathname)?.[1] ?? '';
  if (!verifyCardImageUrl(id, url.searchParams.get('exp'), url.searchParams.get('sig'), deps.secret, deps.now()))
    return sendJson(res, 403, { error: 'card_image_forbidden', message: 'this image link is not signed by Greenlight, or has expired' });
  const media = await findMedia(deps.db, id);
  if (media?.state !== 'ready') return sendJson(res, 404, { error: 'not_found', message: 'no such image' });
  const bytes = Number(media.bytes);
  res.writeHead(200, {
    'content-type': media.content_type,
    'content-length': bytes,
    etag: `"${media.sha256}"`,
    'cache-control': 'private, max-age=3600',
    'x-content-type-options': 'nosniff',
    'content-disposition': 'inline',
  });
  if (req.method === 'HEAD') return void res.end();
  try {
    await pipeline(Readable.from(readMedia(deps, { id: media.id, bytes })), res);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE') return;
    throw error;
  }
}
