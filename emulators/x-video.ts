import { isObject, parseJson } from './common.ts';

/**
 * X's chunked media upload (v2) for video, as documented (docs.x.com x-api/media/quickstart/media-upload-chunked):
 * POST /2/media/upload/initialize {media_type, total_bytes, media_category} → {data:{id, media_key, expires_after_secs}};
 * POST /2/media/upload/:id/append multipart {media, segment_index 0–999} → {data:{expires_at}};
 * POST /2/media/upload/:id/finalize → {data:{…, processing_info:{state:'pending', check_after_secs}}};
 * GET /2/media/upload?command=STATUS&media_id= → pending → in_progress → succeeded | failed (with error).
 *
 * Failure modes a test scripts on `video`: processing that takes some polls and then fails with X's words,
 * processing that never finishes, an upload session that expires, and (through the emulator's fault queue)
 * a segment answered 5xx. A finalize whose segments do not add up to total_bytes, or whose bytes are not an
 * MP4/MOV (no `ftyp` box), is refused as X refuses it.
 */

export interface XVideoUpload {
  id: string;
  authorId: string;
  mediaType: string;
  category: string;
  totalBytes: number;
  segments: Map<number, Buffer>;
  state: 'open' | 'processing' | 'succeeded' | 'failed';
  /** STATUS polls answered so far. */
  polls: number;
  expired: boolean;
  /** APPEND calls per segment index (a resumed upload sends only what is missing). */
  appends: Map<number, number>;
}

export interface XVideoScript {
  /** STATUS polls answered `in_progress` before the outcome (default 1). */
  processingPolls: number;
  /** The outcome after those polls; `never`: in_progress for ever. */
  outcome: 'succeeded' | 'failed' | 'never';
  /** X's words when processing fails. */
  failure: { code: number; name: string; message: string };
}

interface VideoReq {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}
interface VideoReply {
  status: number;
  body: unknown;
}

const VIDEO_TYPES = ['video/mp4', 'video/quicktime', 'video/webm', 'video/mp2t'];
const MAX_VIDEO_BYTES = 512 * 1024 * 1024;
const MAX_SEGMENT_BYTES = 5 * 1024 * 1024;
const EXPIRES_S = 86_400;

const invalid = (message: string): VideoReply => ({
  status: 400,
  body: { errors: [{ message }], title: 'Invalid Request', detail: message, type: 'https://api.x.com/2/problems/invalid-request' },
});

export function xVideoFlow(nextId: () => string, onReady: (upload: XVideoUpload) => void) {
  const uploads = new Map<string, XVideoUpload>();
  const script: XVideoScript = {
    processingPolls: 1,
    outcome: 'succeeded',
    failure: { code: 3, name: 'InvalidMedia', message: 'Invalid or Unsupported media, Reason: UnsupportedMedia.' },
  };

  const statusOf = (u: XVideoUpload) => ({
    id: u.id,
    media_key: `7_${u.id}`,
    size: u.totalBytes,
    expires_after_secs: EXPIRES_S,
    ...(u.state === 'open' ? {} : { processing_info: processingInfo(u) }),
    video: { video_type: u.mediaType },
  });

  function processingInfo(u: XVideoUpload) {
    if (u.state === 'succeeded') return { state: 'succeeded', progress_percent: 100 };
    if (u.state === 'failed') return { state: 'failed', progress_percent: 100, error: script.failure };
    return u.polls === 0 ? { state: 'pending', check_after_secs: 1 } : { state: 'in_progress', check_after_secs: 1, progress_percent: 50 };
  }

  function initialize(req: VideoReq, authorId: string): VideoReply {
    const body = parseJson(req.body);
    if (!isObject(body)) return invalid('Request body must be a JSON object');
    const total = body.total_bytes;
    const type = String(body.media_type ?? '');
    const category = String(body.media_category ?? (type.startsWith('video/') ? 'tweet_video' : ''));
    if (typeof total !== 'number' || !Number.isInteger(total) || total < 1) return invalid('The `total_bytes` field must be a positive integer');
    if (!VIDEO_TYPES.includes(type)) return invalid(`The \`media_type\` value ${type} is not supported for chunked video upload`);
    if (!['tweet_video', 'amplify_video', 'dm_video'].includes(category)) return invalid('The `media_category` value is not a video category');
    if (total > MAX_VIDEO_BYTES) return invalid(`File size exceeds ${MAX_VIDEO_BYTES} bytes.`);
    const id = nextId();
    uploads.set(id, {
      id,
      authorId,
      mediaType: type,
      category,
      totalBytes: total,
      segments: new Map(),
      state: 'open',
      polls: 0,
      expired: false,
      appends: new Map(),
    });
    return { status: 200, body: { data: { id, media_key: `7_${id}`, expires_after_secs: EXPIRES_S } } };
  }

  async function append(req: VideoReq, upload: XVideoUpload): Promise<VideoReply> {
    if (upload.state !== 'open') return invalid('Media upload is already finalized');
    const type = String(req.headers['content-type'] ?? '');
    if (!type.startsWith('multipart/form-data')) return invalid('APPEND must be multipart/form-data with `media` and `segment_index`');
    const form = formParts(req.body, type);
    const media = form?.get('media');
    const index = Number(form?.get('segment_index')?.bytes.toString('utf8'));
    if (!form || !media?.file) return invalid('The `media` field is required');
    if (!Number.isInteger(index) || index < 0 || index > 999) return invalid('The `segment_index` field must be between 0 and 999');
    if (media.bytes.length > MAX_SEGMENT_BYTES) return invalid(`Segment size exceeds ${MAX_SEGMENT_BYTES} bytes.`);
    upload.segments.set(index, media.bytes);
    upload.appends.set(index, (upload.appends.get(index) ?? 0) + 1);
    return { status: 200, body: { data: { expires_at: Math.floor(Date.now() / 1000) + EXPIRES_S } } };
  }

  function finalize(upload: XVideoUpload): VideoReply {
    if (upload.state !== 'open') return { status: 200, body: { data: statusOf(upload) } };
    const indexes = [...upload.segments.keys()].sort((a, b) => a - b);
    if (indexes.some((i, n) => i !== n)) return invalid('Segments are missing: segment indexes must run from 0 without gaps');
    const bytes = Buffer.concat(indexes.map((i) => upload.segments.get(i)!));
    if (bytes.length !== upload.totalBytes) return invalid(`File size mismatch: total_bytes was ${upload.totalBytes}, received ${bytes.length} bytes.`);
    if (bytes.subarray(4, 8).toString('latin1') !== 'ftyp') return invalid('Invalid or Unsupported media, Reason: UnsupportedMedia.');
    upload.state = 'processing';
    return { status: 200, body: { data: statusOf(upload) } };
  }

  function status(id: string, authorId: string): VideoReply {
    const upload = uploads.get(id);
    if (!upload || upload.authorId !== authorId) return invalid('Invalid media_id or command');
    if (upload.state === 'processing') {
      upload.polls += 1;
      if (script.outcome !== 'never' && upload.polls > script.processingPolls) {
        upload.state = script.outcome;
        if (upload.state === 'succeeded') onReady(upload);
      }
    }
    return { status: 200, body: { data: statusOf(upload) } };
  }

  return {
    uploads,
    script,
    /** Ends an upload session: further APPEND and FINALIZE calls are refused as X refuses an expired id. */
    expire(id: string) {
      const upload = uploads.get(id);
      if (upload) upload.expired = true;
    },
    /** The X routes of the chunked video flow; undefined for any other request. */
    async route(req: VideoReq, authorId: string): Promise<VideoReply | undefined> {
      if (req.method === 'POST' && req.path === '/2/media/upload/initialize') return initialize(req, authorId);
      if (req.method === 'GET' && req.path === '/2/media/upload' && req.query.get('command') === 'STATUS' && uploads.has(req.query.get('media_id') ?? '')) {
        return status(req.query.get('media_id') ?? '', authorId);
      }
      const m = /^\/2\/media\/upload\/(\d+)\/(append|finalize)$/.exec(req.path);
      if (req.method !== 'POST' || !m) return undefined;
      const upload = uploads.get(m[1]!);
      if (!upload || upload.authorId !== authorId) return invalid('Invalid media_id');
      if (upload.expired) return invalid('Media upload session has expired. Please start a new upload.');
      return m[2] === 'append' ? append(req, upload) : finalize(upload);
    },
  };
}

/**
 * The parts of a multipart/form-data body by name (the first of each), as views into the body: whether
 * a part is a file, and its bytes. undici's Request#formData parsed every 4 MiB segment in JavaScript and
 * copied it twice more; with ten videos at once (bench video-lateness) this emulator then took more CPU
 * than Greenlight and PostgreSQL together spent on the videos, on the same two cores. Undefined for a body
 * that is not well-formed multipart.
 */
function formParts(body: Buffer, contentType: string): Map<string, { file: boolean; bytes: Buffer }> | undefined {
  const match = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  if (!boundary) return undefined;
  const delimiter = Buffer.from(`--${boundary}`, 'latin1');
  const between = Buffer.from(`\r\n--${boundary}`, 'latin1');
  const parts = new Map<string, { file: boolean; bytes: Buffer }>();
  let at = body.indexOf(delimiter);
  if (at < 0) return undefined;
  at += delimiter.length;
  for (;;) {
    if (body.toString('latin1', at, at + 2) === '--') return parts;
    if (body.toString('latin1', at, at + 2) !== '\r\n') return undefined;
    const headEnd = body.indexOf('\r\n\r\n', at, 'latin1');
    if (headEnd < 0) return undefined;
    const head = body.toString('utf8', at + 2, headEnd);
    const end = body.indexOf(between, headEnd + 4);
    if (end < 0) return undefined;
    const name = /;\s*name="([^"]*)"/i.exec(head)?.[1];
    if (name !== undefined && !parts.has(name)) parts.set(name, { file: /;\s*filename="/i.test(head), bytes: body.subarray(headEnd + 4, end) });
    at = end + between.length;
  }
}
