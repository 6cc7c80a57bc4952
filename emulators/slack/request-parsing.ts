/** The Slack emulator's request parsing (a section of emulators/slack.ts, which re-exports its public part). */
import type { IncomingMessage } from 'node:http';
import type { Json } from './types.ts';
import { ApiError, JSON_ARGS, isRecord, readBody } from './helpers.ts';

// ---------------------------------------------------------------------------------------------
// Request parsing (app -> Slack)
// ---------------------------------------------------------------------------------------------

export interface ParsedApiRequest {
  args: Json;
  bodyWasJson: boolean;
}

export async function parseApiRequest(req: IncomingMessage, url: URL): Promise<ParsedApiRequest> {
  const raw = await readBody(req);
  const args: Json = Object.fromEntries(url.searchParams);
  const contentType = req.headers['content-type'] ?? '';
  const mediaType = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  let bodyWasJson = false;
  if (raw.length > 0) {
    if (mediaType === 'application/json') {
      Object.assign(args, parseJsonObject(raw.toString()));
      bodyWasJson = true;
    } else if (mediaType === 'application/x-www-form-urlencoded' || mediaType === '') {
      Object.assign(args, Object.fromEntries(new URLSearchParams(raw.toString())));
    } else if (mediaType === 'multipart/form-data') {
      const form = await new Response(new Uint8Array(raw), { headers: { 'content-type': contentType } }).formData();
      for (const [key, value] of form) args[key] = typeof value === 'string' ? value : `<file ${value.size} bytes>`;
    } else {
      throw new ApiError('invalid_post_type');
    }
  }
  decodeJsonArgs(args);
  return { args, bodyWasJson };
}

export function parseJsonObject(text: string): Json {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ApiError('invalid_json');
  }
  if (!isRecord(parsed)) throw new ApiError('json_not_object');
  return parsed;
}

/** WebClient sends non-scalar arguments (blocks, view, ...) as JSON strings inside the form. */
export function decodeJsonArgs(args: Json): void {
  for (const [name, errorCode] of Object.entries(JSON_ARGS)) {
    const value = args[name];
    if (typeof value !== 'string') continue;
    try {
      args[name] = JSON.parse(value);
    } catch {
      throw new ApiError(errorCode);
    }
  }
}

export function basicAuth(req: IncomingMessage): { id: string; secret: string } | undefined {
  const header = req.headers.authorization;
  if (!header?.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(header.slice('Basic '.length).trim(), 'base64').toString();
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { id: decodeURIComponent(decoded.slice(0, colon)), secret: decodeURIComponent(decoded.slice(colon + 1)) };
}

export function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  return header?.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : undefined;
}
