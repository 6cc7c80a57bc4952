import type { Chat } from '../db/schema.ts';
import type { ComposeFile } from './compose.ts';

/**
 * How the workflow reads a file the author attached in a chat, to copy it into the media store. Each
 * chat edge provides one: Slack's sends the workspace's bot token with `url_private_download`,
 * Discord's fetches the CDN link (which expires, hence the copy at once). Both go through the guarded
 * outbound client. A refusal the author can act on (gone, too large) is thrown as ChatFileError.
 */
export interface ChatFileSource {
  open(workspaceId: string, file: ComposeFile & { source: { chat: Chat } }, signal: AbortSignal): Promise<AsyncIterable<Uint8Array>>;
}

export class ChatFileError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ChatFileError';
  }
}
