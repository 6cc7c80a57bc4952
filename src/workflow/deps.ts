import type { TokenCipher } from '../crypto/token-cipher.ts';
import type { Db } from '../db/database.ts';
import type { MediaBytes } from '../db/media-store.ts';
import type { Chat } from '../db/schema.ts';
import type { Network } from '../domain/networks.ts';
import type { PostingLimits } from '../domain/rate-limits.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { Pace } from '../media/bulk-pace.ts';
import type { NetworkAdapter } from '../networks/adapter.ts';
import type { Queue } from '../queue/queue.ts';
import type { ChatFileSource } from './chat-files.ts';
import type { ChatPort } from './chat-port.ts';
import type { LinkPreviewSettings } from './link-preview-settings.ts';
import type { WebhookSettings } from './webhook-settings.ts';

/** Everything the workflow needs from the edges, passed in (tests pass real ones against emulators). */
export interface WorkflowDeps {
  db: Db;
  queue: Queue;
  cipher: TokenCipher;
  log: Logger;
  metrics: Metrics;
  now: () => Date;
  adapters: Partial<Record<Network, NetworkAdapter>>;
  chats: Partial<Record<Chat, ChatPort>>;
  /** Reads files attached in each chat, for the copy into the media store (src/workflow/chat-files.ts). */
  chatFiles?: Partial<Record<Chat, ChatFileSource>> | undefined;
  /**
   * The media store's limits (MEDIA_QUOTA_MB, MEDIA_MAX_FILE_MB), for the copy from a chat and for a copy converted
   * at publish time (a PNG as JPEG for Instagram); default DEFAULT_MEDIA_LIMITS (src/workflow/media-copy.ts).
   */
  media?: { quotaBytes: number; maxFileBytes: number } | undefined;
  /** Where media bytes live (MEDIA_STORE); default PostgreSQL. */
  mediaBytes?: MediaBytes | undefined;
  /** The turns of video bytes sent to the networks (VIDEO_SEND_MB_PER_S, src/media/bulk-pace.ts); none: at full speed. */
  videoPace?: Pace | undefined;
  publicUrl: string;
  /** Signs connect links and OAuth state (STATE_SECRET); without it no connect link can be made. */
  stateSecret?: string | undefined;
  publish: { retries: number; baseMs: number; maxMs: number; stuckAfterMs: number };
  /** Per-account posting limits by network (default: the documented POSTING_LIMITS). */
  postingLimits?: PostingLimits | undefined;
  /** How long after its post a first comment goes (FIRST_COMMENT_DELAY_SECONDS); default at once. */
  firstCommentDelayMs?: number | undefined;
  /** Link preview cards (src/workflow/link-preview.ts); undefined or timeoutMs 0: no page is read. */
  linkPreview?: LinkPreviewSettings | undefined;
  /** Outgoing webhooks: attempts, backoff, timeout (default DEFAULT_WEBHOOK_SETTINGS). */
  webhooks?: WebhookSettings | undefined;
}
