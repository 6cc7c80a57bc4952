import { createHash } from 'node:crypto';

/**
 * How Meta's servers pull a video from `video_url` (Instagram Reels and Stories, Threads VIDEO, Facebook
 * file_url): a plain GET that must answer 200 with a video content type and an ISO media file (MP4 or
 * MOV: an `ftyp` box first), its Content-Length matching the bytes. Anything else is "could not be fetched".
 */
export interface FetchedVideo {
  bytes: number;
  contentType: string;
  sha256: string;
  /** The file's first bytes, for a test that looks at the brand. */
  brand: string;
}

/** `timeoutMs` covers the whole pull (a benchmark pulls 500 MB). */
export async function fetchVideo(url: string, timeoutMs = 30_000): Promise<FetchedVideo | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    const contentType = res.headers.get('content-type')?.split(';')[0]?.trim() ?? '';
    const length = res.headers.get('content-length');
    const hash = createHash('sha256');
    let bytes = 0;
    let head = Buffer.alloc(0);
    for await (const piece of res.body ?? []) {
      const chunk = Buffer.from(piece as Uint8Array);
      if (head.length < 12) head = Buffer.concat([head, chunk]).subarray(0, 12);
      hash.update(chunk);
      bytes += chunk.length;
    }
    if (res.status !== 200 || !['video/mp4', 'video/quicktime'].includes(contentType)) return undefined;
    if (head.subarray(4, 8).toString('latin1') !== 'ftyp') return undefined;
    if (length !== null && Number(length) !== bytes) return undefined;
    return { bytes, contentType, sha256: hash.digest('hex'), brand: head.subarray(8, 12).toString('latin1') };
  } catch {
    return undefined;
  }
}
