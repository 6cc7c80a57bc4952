/** The Discord emulator's HTTP plumbing (a section of emulators/discord.ts, which re-exports its public part). */
import type { IncomingMessage } from 'node:http';
import { Errors, MAX_BODY_BYTES } from './helpers.ts';

// ---------------------------------------------------------------------------------------------
// HTTP plumbing
// ---------------------------------------------------------------------------------------------

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw Errors.tooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export interface UploadedFile {
  key: string;
  filename: string;
  size: number;
  contentType: string;
  bytes: Buffer;
}

/** JSON, or multipart with `payload_json` plus `files[n]` parts (what @discordjs/rest sends with files). */
export async function parseRequestBody(req: IncomingMessage, raw: Buffer): Promise<{ body: unknown; files: UploadedFile[] }> {
  if (raw.length === 0) return { body: undefined, files: [] };
  const contentType = req.headers['content-type'] ?? '';
  if (contentType.startsWith('multipart/form-data')) {
    const form = await new Response(new Uint8Array(raw), { headers: { 'content-type': contentType } }).formData();
    const files: UploadedFile[] = [];
    let body: unknown;
    for (const [key, value] of form) {
      if (typeof value === 'string') {
        if (key === 'payload_json') body = parseJson(value);
      } else {
        files.push({
          key,
          filename: value.name,
          size: value.size,
          contentType: value.type || 'application/octet-stream',
          bytes: Buffer.from(await value.arrayBuffer()),
        });
      }
    }
    return { body, files };
  }
  return { body: parseJson(raw.toString()), files: [] };
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw Errors.invalidJson();
  }
}
