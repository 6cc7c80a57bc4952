import { createHash } from 'node:crypto';
import { isObject, parseJson } from './common.ts';

/**
 * LinkedIn's Videos API (learn.microsoft.com linkedin/marketing/community-management/shares/videos-api):
 * POST /rest/videos?action=initializeUpload {initializeUploadRequest:{owner, fileSizeBytes, uploadCaptions,
 * uploadThumbnail}} → value {video, uploadToken, uploadInstructions:[{uploadUrl, firstByte, lastByte}]};
 * PUT each inclusive byte range to its uploadUrl (no auth there) → ETag; POST ?action=finalizeUpload
 * {finalizeUploadRequest:{video, uploadToken, uploadedPartIds}} with the ETags in order; GET /rest/videos/{urn}
 * → status PROCESSING, then AVAILABLE or PROCESSING_FAILED. A post names an AVAILABLE video as content.media.id.
 *
 * Scripted on `script`: the polls before the outcome, the outcome (AVAILABLE, PROCESSING_FAILED with a
 * reason, or never), the part size, and expiring an upload (its part URLs then answer 404).
 */

export interface LinkedInVideoRecord {
  urn: string;
  owner: string;
  fileSizeBytes: number;
  uploadToken: string;
  parts: { uploadUrl: string; firstByte: number; lastByte: number; etag?: string; bytes?: Buffer; puts: number }[];
  status: 'WAITING_UPLOAD' | 'PROCESSING' | 'AVAILABLE' | 'PROCESSING_FAILED';
  polls: number;
  expired: boolean;
  sha256?: string;
}

interface VideoReq {
  method: string;
  path: string;
  query: URLSearchParams;
  body: Buffer;
}
interface VideoReply {
  status: number;
  body?: unknown;
  raw?: Buffer;
  headers?: Record<string, string>;
}

const error = (status: number, message: string, code: string): VideoReply => ({ status, body: { status, code, message } });

export function linkedInVideoFlow(base: () => string, nextId: () => string) {
  const videos: LinkedInVideoRecord[] = [];
  const script = {
    /** Bytes per upload part (LinkedIn uses 4 MiB; tests cut small files smaller). */
    partBytes: 4 * 1024 * 1024,
    processingPolls: 1,
    outcome: 'AVAILABLE' as 'AVAILABLE' | 'PROCESSING_FAILED' | 'never',
    failureReason: 'The video could not be processed: unsupported codec.',
  };

  function initialize(req: VideoReq, tokenAuthor: string): VideoReply {
    const body = parseJson(req.body);
    const init = isObject(body) && isObject(body.initializeUploadRequest) ? body.initializeUploadRequest : undefined;
    if (!init || typeof init.owner !== 'string') return error(422, 'Missing initializeUploadRequest.owner', 'MISSING_FIELD');
    if (init.owner !== tokenAuthor) return error(403, 'Accessing this video resource is forbidden for this member or organization.', 'ACCESS_DENIED');
    const size = init.fileSizeBytes;
    if (typeof size !== 'number' || !Number.isInteger(size) || size < 1) return error(422, 'fileSizeBytes must be a positive integer', 'INVALID_VALUE');
    if (size > 500 * 1024 * 1024) return error(400, 'The video is larger than 500 MB.', 'INVALID_VALUE');
    const id = nextId();
    const urn = `urn:li:video:D4E${id}`;
    const parts: LinkedInVideoRecord['parts'] = [];
    for (let first = 0, n = 0; first < size; first += script.partBytes, n++) {
      parts.push({
        uploadUrl: `${base()}/dms-uploads/videos/${id}/part/${n}`,
        firstByte: first,
        lastByte: Math.min(size, first + script.partBytes) - 1,
        puts: 0,
      });
    }
    const uploadToken = parts.length > 1 ? `token-${id}` : '';
    videos.push({ urn, owner: init.owner, fileSizeBytes: size, uploadToken, parts, status: 'WAITING_UPLOAD', polls: 0, expired: false });
    return {
      status: 200,
      body: {
        value: {
          video: urn,
          uploadToken,
          uploadUrlsExpireAt: Date.now() + 86_400_000,
          uploadInstructions: parts.map(({ uploadUrl, firstByte, lastByte }) => ({ uploadUrl, firstByte, lastByte })),
        },
      },
    };
  }

  function putPart(req: VideoReq, id: string, n: number): VideoReply {
    const video = videos.find((v) => v.urn === `urn:li:video:D4E${id}`);
    const part = video?.parts[n];
    if (!video || !part || video.expired) return error(404, 'Upload not found or expired', 'NOT_FOUND');
    if (req.body.length !== part.lastByte - part.firstByte + 1)
      return error(400, `Part ${n} must be ${part.lastByte - part.firstByte + 1} bytes`, 'INVALID_VALUE');
    part.bytes = req.body;
    part.puts += 1;
    part.etag = `/ambry-video/${createHash('md5').update(req.body).digest('hex')}`;
    return { status: 200, raw: Buffer.alloc(0), headers: { etag: part.etag } };
  }

  function finalize(req: VideoReq): VideoReply {
    const body = parseJson(req.body);
    const fin = isObject(body) && isObject(body.finalizeUploadRequest) ? body.finalizeUploadRequest : undefined;
    const video = fin ? videos.find((v) => v.urn === fin.video) : undefined;
    if (!fin || !video) return error(422, 'Missing or unknown finalizeUploadRequest.video', 'INVALID_VALUE');
    if (video.expired) return error(400, 'The upload has expired.', 'INVALID_VALUE');
    if (fin.uploadToken !== video.uploadToken) return error(400, 'Invalid uploadToken', 'INVALID_VALUE');
    const ids = Array.isArray(fin.uploadedPartIds) ? fin.uploadedPartIds : [];
    if (ids.length !== video.parts.length || video.parts.some((p, i) => !p.etag || p.etag !== ids[i])) {
      return error(400, 'uploadedPartIds must list the ETag of every part, in order', 'INVALID_VALUE');
    }
    const bytes = Buffer.concat(video.parts.map((p) => p.bytes!));
    video.sha256 = createHash('sha256').update(bytes).digest('hex');
    if (video.status === 'WAITING_UPLOAD') video.status = 'PROCESSING';
    return { status: 200, body: {} };
  }

  function status(urn: string): VideoReply {
    const video = videos.find((v) => v.urn === urn);
    if (!video) return error(404, 'Video not found', 'NOT_FOUND');
    if (video.status === 'PROCESSING') {
      video.polls += 1;
      if (script.outcome !== 'never' && video.polls > script.processingPolls) video.status = script.outcome;
    }
    return {
      status: 200,
      body: {
        id: urn,
        owner: video.owner,
        status: video.status,
        ...(video.status === 'PROCESSING_FAILED' ? { processingFailureReason: script.failureReason } : {}),
        ...(video.status === 'AVAILABLE' ? { downloadUrl: `${base()}/dms/video/${urn}` } : {}),
      },
    };
  }

  return {
    videos,
    script,
    expire(urn: string) {
      const v = videos.find((x) => x.urn === urn);
      if (v) v.expired = true;
    },
    isAvailable: (urn: string) => videos.some((v) => v.urn === urn && v.status === 'AVAILABLE'),
    /** The part URLs: no token needed, as LinkedIn's signed upload URLs. */
    routeUnauthenticated(req: VideoReq): VideoReply | undefined {
      const m = /^\/dms-uploads\/videos\/(\d+)\/part\/(\d+)$/.exec(req.path);
      return req.method === 'PUT' && m ? putPart(req, m[1]!, Number(m[2])) : undefined;
    },
    route(req: VideoReq, tokenAuthor: string): VideoReply | undefined {
      if (req.method === 'POST' && req.path === '/rest/videos' && req.query.get('action') === 'initializeUpload') return initialize(req, tokenAuthor);
      if (req.method === 'POST' && req.path === '/rest/videos' && req.query.get('action') === 'finalizeUpload') return finalize(req);
      const one = /^\/rest\/videos\/(.+)$/.exec(req.path);
      if (req.method === 'GET' && one) return status(decodeURIComponent(one[1]!));
      return undefined;
    },
  };
}
