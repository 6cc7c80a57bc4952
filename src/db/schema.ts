import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { MetricSlot } from '../domain/metric-slots.ts';
import type { DeliveryState } from '../domain/delivery-state.ts';
import type { DigestDay } from '../domain/digest-schedule.ts';
import type { LinkPreviewStatus } from '../domain/link-preview.ts';
import type { Network } from '../domain/networks.ts';
import type { PostState } from '../domain/post-state.ts';
import type { VideoFacts } from '../domain/video-facts.ts';

/** Types of the tables created in migrations/. Keep in step with every migration. */
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | string | undefined, Date | string>;
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json<T> = ColumnType<T, string, string>;

export type Chat = 'slack' | 'discord';

export interface WorkspacesTable {
  id: Generated<string>;
  chat: Chat;
  external_id: string;
  name: string | null;
  /** Slack only: the Enterprise Grid organization (`E…`) the team belongs to, from its last request; null outside one. */
  enterprise_id: string | null;
  approvals_channel_id: string | null;
  approver_group_id: string | null;
  approvals_required: Generated<number>;
  allow_self_approval: Generated<boolean>;
  default_zone: Generated<string>;
  reminder_after_minutes: Generated<number>;
  paused_at: Timestamp | null;
  paused_by: string | null;
  /** The weekly digest's day (null: off), hour in `default_zone`, and channel (null: the approvals channel). */
  digest_day: DigestDay | null;
  digest_hour: Generated<number>;
  digest_channel_id: string | null;
  /** Every attached image needs alt text (`/greenlight settings alt_text=required`). */
  require_alt_text: Generated<boolean>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export type MemberRole = 'admin' | 'approver' | 'member';
export interface MembersTable {
  workspace_id: string;
  chat_user_id: string;
  role: MemberRole;
  zone: string | null;
  created_at: CreatedAt;
}

export type AccountStatus = 'connected' | 'needs_reconnect' | 'disconnected';
export interface SocialAccountsTable {
  id: Generated<string>;
  workspace_id: string;
  network: Network;
  external_account_id: string;
  display_name: string;
  instance_url: string | null;
  /** The server's own post length limit (a Mastodon instance's); null: the network's default. */
  max_characters: number | null;
  status: Generated<AccountStatus>;
  credentials: string;
  token_expires_at: Timestamp | null;
  connected_by: string;
  last_error: string | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface PostsTable {
  id: Generated<string>;
  workspace_id: string;
  author_id: string;
  state: PostState;
  text: string;
  note: string | null;
  origin_channel_id: string;
  publish_at: Timestamp;
  zone: string;
  content_hash: string;
  version: Generated<number>;
  /** How the post's video goes to Instagram (a Reel or a Story), chosen in the compose form. */
  instagram_kind: Generated<'reels' | 'stories'>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface PostTargetsTable {
  post_id: string;
  account_id: string;
}

export interface PostVariantsTable {
  post_id: string;
  network: Network;
  text: string;
}

export interface PostMediaTable {
  post_id: string;
  position: number;
  url: string;
  alt: string | null;
}

/** `hold`: approved except this network (`network`), see src/domain/approval-networks.ts. */
export type DecisionKind = 'approve' | 'request_changes' | 'reject' | 'hold';
export interface DecisionsTable {
  id: Generated<string>;
  post_id: string;
  actor_id: string;
  kind: DecisionKind;
  network: Network | null;
  comment: string | null;
  content_hash: string;
  voided_at: Timestamp | null;
  created_at: CreatedAt;
}

/** What went wrong on the last attempt, in the network's own words (never a token). */
export interface DeliveryError {
  class: string;
  message: string;
  status?: number;
  networkCode?: string;
  networkMessage?: string;
  requestId?: string;
}

export interface DeliveriesTable {
  id: Generated<string>;
  post_id: string;
  account_id: string;
  network: Network;
  state: DeliveryState;
  due_at: Timestamp;
  attempts: Generated<number>;
  last_error: Json<DeliveryError> | null;
  external_id: string | null;
  url: string | null;
  published_at: Timestamp | null;
  sending_started_at: Timestamp | null;
  /** An attempt ended not knowing whether the network took the post: look before sending or failing. */
  maybe_sent_at: Timestamp | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface DeliveryPartsTable {
  delivery_id: string;
  position: number;
  external_id: string;
  url: string;
  published_at: CreatedAt;
}

export interface ChatMessagesTable {
  post_id: string;
  chat: Chat;
  channel_id: string;
  message_id: string;
  thread_id: string;
  /** Unused since thread_receipts (the 2026-12-02T2320 migration); kept for rollback. */
  last_event_id: Generated<number>;
  created_at: CreatedAt;
}

/** One per event of a post: is its reply in the card's thread yet (see the thread_receipts migration). */
export interface ThreadReceiptsTable {
  event_id: string;
  post_id: string;
  claimed_at: Date | null;
  message_id: string | null;
  posted_at: Date | null;
  created_at: CreatedAt;
}

export interface OauthStatesTable {
  nonce: string;
  workspace_id: string;
  user_id: string;
  network: Network;
  code_verifier: string | null;
  expires_at: Timestamp;
  used_at: Timestamp | null;
  created_at: CreatedAt;
  /** Mastodon: the instance the flow talks to. */
  instance_url: string | null;
  /** A Reconnect link's flow: the only account it may reconnect. */
  account_id: string | null;
}

export interface OauthClientsTable {
  network: Network;
  instance_url: string;
  client_id: string;
  /** Encrypted like credentials. */
  client_secret: string;
  redirect_uri: string;
  created_at: CreatedAt;
}

/** A chat form's typed values between steps (Discord's compose modal and account picker). */
export interface ComposeDraftsTable {
  id: Generated<string>;
  workspace_id: string;
  user_id: string;
  post_id: string | null;
  channel_id: string;
  input: Json<Record<string, unknown>>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface InboundRequestsTable {
  source: string;
  request_key: string;
  received_at: CreatedAt;
}

export interface EventsTable {
  id: Generated<string>;
  workspace_id: string;
  post_id: string | null;
  delivery_id: string | null;
  kind: string;
  actor: string | null;
  data: Json<Record<string, unknown>>;
  created_at: CreatedAt;
}

/** An attempt let through to the network, counted against the account's posting limits (migrations/…T2310). */
export interface AccountSendsTable {
  id: Generated<string>;
  account_id: string;
  delivery_id: string | null;
  sent_at: Timestamp;
  posts: number;
}

/** An account the network told to wait (a 429 with a reset time). */
export interface AccountLimitsTable {
  account_id: string;
  limited_until: Timestamp;
  reason: string;
  updated_at: UpdatedAt;
}

export interface DigestsTable {
  workspace_id: string;
  due_at: Timestamp;
  channel_id: string;
  sent_at: Timestamp | null;
  created_at: CreatedAt;
}

export interface WebhookSubscriptionsTable {
  id: string;
  workspace_id: string;
  url: string;
  events: ColumnType<string[], string[] | undefined, string[]>;
  /** Encrypted (AAD `webhook:<id>`). */
  secret: string;
  created_by: string;
  created_at: CreatedAt;
  removed_at: Timestamp | null;
}

export type WebhookDeliveryState = 'pending' | 'succeeded' | 'failed';
export interface WebhookDeliveriesTable {
  id: Generated<string>;
  subscription_id: string;
  event_id: ColumnType<number, number | string, never>;
  state: Generated<WebhookDeliveryState>;
  attempts: Generated<number>;
  next_attempt_at: Generated<Date>;
  response_status: number | null;
  last_error: string | null;
  delivered_at: Timestamp | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface WebhookAttemptsTable {
  delivery_id: string;
  attempt: number;
  response_status: number | null;
  error: string | null;
  duration_ms: number;
  attempted_at: CreatedAt;
}

/** One measurement of a published delivery; a NULL count is "not reported" by the network, never zero. */
export interface DeliveryMetricsTable {
  delivery_id: string;
  slot: MetricSlot;
  workspace_id: string;
  network: Network;
  published_at: Timestamp;
  collected_at: CreatedAt;
  likes: number | null;
  reposts: number | null;
  replies: number | null;
  impressions: number | null;
}

/** A Slack OAuth install (multi-workspace mode); tokens are encrypted envelopes (src/db/slack-installations.ts). */
export interface SlackInstallationsTable {
  installation_key: string;
  team_id: string | null;
  enterprise_id: string | null;
  is_enterprise_install: boolean;
  workspace_id: string | null;
  bot_token: string | null;
  user_token: string | null;
  installation: Json<Record<string, unknown>>;
  installed_at: CreatedAt;
  updated_at: UpdatedAt;
}

/** A file in Greenlight's media store (migrations/2026-12-06T0420_media_store.ts, src/db/media-store.ts). */
export type MediaState = 'preparing' | 'ready';
export interface MediaTable {
  id: Generated<string>;
  workspace_id: string;
  post_id: string | null;
  /** A converted copy of this file (a PNG as JPEG for a network that takes only JPEG). */
  variant_of: string | null;
  position: number | null;
  filename: string;
  content_type: Generated<string>;
  bytes: Generated<number>;
  sha256: string | null;
  width: number | null;
  height: number | null;
  animated: Generated<boolean>;
  alt: string | null;
  state: Generated<MediaState>;
  created_at: CreatedAt;
  ready_at: Timestamp | null;
  /** What ffprobe read from a video (migrations/2026-12-06T0700_media_video.ts); null for images. */
  video: Json<VideoFacts> | null;
  /** Where a `preparing` file attached in a chat is copied from (migrations/2026-12-06T0610_chat_files.ts). */
  source: Json<MediaSource> | null;
  /** The type the chat reported at submit; `content_type` is what probing found. */
  declared_type: string | null;
}

/** A chat's link to an attached file, kept until the copy into the store is done. */
export interface MediaSource {
  chat: Chat;
  url: string;
}

/** How far one delivery's video upload got on its network (migrations/2026-12-06T0700_media_video.ts). */
export interface DeliveryUploadsTable {
  delivery_id: string;
  state: Json<Record<string, unknown>>;
  updated_at: UpdatedAt;
}

/** One 256 KiB (at most) piece of a media file, in order of `seq`. */
export interface MediaChunksTable {
  media_id: string;
  seq: number;
  data: Buffer;
}

/** Tables of migrations/2026-12-06T0500_posting_slots.ts. */
export interface PostingSlotsTable {
  id: Generated<string>;
  workspace_id: string;
  account_id: string | null;
  network: Network | null;
  weekday: number;
  minute: number;
  zone: string;
  created_by: string;
  created_at: ColumnType<Date, Date | string | undefined, never>;
}

export interface SlotBookingsTable {
  workspace_id: string;
  account_id: string;
  slot_at: ColumnType<Date, Date | string, Date | string>;
  post_id: string;
  created_at: ColumnType<Date, Date | string | undefined, never>;
}

/** Which series a post belongs to (migrations/2026-12-06T0500_posting_slots.ts). */
export interface PostSeriesTable {
  post_id: string;
  head_id: string;
  position: number;
  rule: string;
}

/** The card of a post's first link (issue 16, src/db/link-previews.ts). */
export interface PostLinkPreviewsTable {
  post_id: string;
  url: string;
  status: LinkPreviewStatus;
  title: Generated<string>;
  description: Generated<string>;
  image_media_id: string | null;
  image_sha256: string | null;
  reason: string | null;
  version: Generated<number>;
  updated_at: Generated<Date>;
}

/** The author's first comment per network (issue 16, src/db/first-comments.ts). */
export interface PostFirstCommentsTable {
  post_id: string;
  network: Network;
  text: string;
}

export type CommentState = 'pending' | 'sending' | 'published' | 'failed';

/** A delivery's first comment, from the moment its post went out. */
export interface DeliveryCommentsTable {
  delivery_id: string;
  text: string;
  state: Generated<CommentState>;
  attempts: Generated<number>;
  external_id: string | null;
  url: string | null;
  last_error: DeliveryError | null;
  updated_at: Generated<Date>;
}

/** A picker after a sign-in with several accounts (src/db/connect-picks.ts); `choices` is ciphertext. */
export interface ConnectPicksTable {
  token_hash: string;
  workspace_id: string;
  user_id: string;
  network: Network;
  choices: string;
  expires_at: Timestamp;
  used_at: Timestamp | null;
  created_at: CreatedAt;
}

export interface Database {
  workspaces: WorkspacesTable;
  members: MembersTable;
  social_accounts: SocialAccountsTable;
  posts: PostsTable;
  post_targets: PostTargetsTable;
  post_variants: PostVariantsTable;
  post_media: PostMediaTable;
  decisions: DecisionsTable;
  deliveries: DeliveriesTable;
  delivery_parts: DeliveryPartsTable;
  chat_messages: ChatMessagesTable;
  thread_receipts: ThreadReceiptsTable;
  oauth_states: OauthStatesTable;
  oauth_clients: OauthClientsTable;
  inbound_requests: InboundRequestsTable;
  events: EventsTable;
  compose_drafts: ComposeDraftsTable;
  digests: DigestsTable;
  webhook_subscriptions: WebhookSubscriptionsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
  delivery_metrics: DeliveryMetricsTable;
  account_sends: AccountSendsTable;
  account_limits: AccountLimitsTable;
  slack_installations: SlackInstallationsTable;
  media: MediaTable;
  media_chunks: MediaChunksTable;
  delivery_uploads: DeliveryUploadsTable;
  posting_slots: PostingSlotsTable;
  slot_bookings: SlotBookingsTable;
  post_series: PostSeriesTable;
  post_link_previews: PostLinkPreviewsTable;
  post_first_comments: PostFirstCommentsTable;
  delivery_comments: DeliveryCommentsTable;
  connect_picks: ConnectPicksTable;
}

export type Workspace = Selectable<WorkspacesTable>;
export type Post = Selectable<PostsTable>;
export type NewPost = Insertable<PostsTable>;
export type PostUpdate = Updateable<PostsTable>;
export type Delivery = Selectable<DeliveriesTable>;
export type SocialAccount = Selectable<SocialAccountsTable>;
export type Decision = Selectable<DecisionsTable>;
export type ChatMessage = Selectable<ChatMessagesTable>;
