import type { webApi } from '@slack/bolt';
import { request } from 'undici';
import { CHART_CAPTION } from '../../workflow/digest/digest-text.ts';
import { escape } from './card-blocks.ts';

const FILENAME = 'greenlight-weekly-digest.png';
const UPLOAD_TIMEOUT_MS = 30_000;

/**
 * Slack's file upload, in its three steps: files.getUploadURLExternal (a one-time URL for this many
 * bytes), a POST of the bytes to it, then files.completeUploadExternal, which shares the file in the
 * channel with the digest's text as its message.
 */
export async function postSlackDigest(client: webApi.WebClient, channelId: string, text: string, png: Buffer): Promise<void> {
  const upload = await client.files.getUploadURLExternal({ filename: FILENAME, length: png.length, alt_text: CHART_CAPTION });
  if (!upload.upload_url || !upload.file_id) throw new Error('Slack files.getUploadURLExternal answered without an upload URL');
  const res = await request(upload.upload_url, {
    method: 'POST',
    body: png,
    headers: { 'content-type': 'image/png' },
    headersTimeout: UPLOAD_TIMEOUT_MS,
    bodyTimeout: UPLOAD_TIMEOUT_MS,
  });
  await res.body.dump();
  if (res.statusCode !== 200) throw new Error(`Slack file upload answered HTTP ${res.statusCode}`);
  await client.files.completeUploadExternal({
    files: [{ id: upload.file_id, title: 'Weekly digest: engagement per network per day' }],
    channel_id: channelId,
    initial_comment: escape(text),
  });
}
