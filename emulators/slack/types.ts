/** The Slack emulator's types (a section of emulators/slack.ts, which re-exports its public part). */
import type { EnvelopeType } from '../slack-socket.ts';

// ---------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------

export type Json = Record<string, unknown>;

export interface Block {
  type: string;
  block_id?: string;
  [key: string]: unknown;
}

export interface PlainText {
  type: 'plain_text';
  text: string;
  emoji?: boolean;
}

export interface SelectOption {
  text: PlainText | { type: 'mrkdwn'; text: string };
  value: string;
  [key: string]: unknown;
}

/** An option as a test names it: by value; the emulator copies the rest from the view's element. */
export interface OptionInput {
  value: string;
  text?: SelectOption['text'];
}

/** What the user entered, per element type, in Slack's `view.state.values` shapes. */
export type StateValueInput =
  | { type: 'plain_text_input'; value: string | null }
  | { type: 'number_input'; value: string | null }
  | { type: 'checkboxes'; selected_options: OptionInput[] }
  | { type: 'radio_buttons'; selected_option: OptionInput | null }
  | { type: 'static_select'; selected_option: OptionInput | null }
  | { type: 'multi_static_select'; selected_options: OptionInput[] }
  | { type: 'users_select'; selected_user: string | null }
  | { type: 'multi_users_select'; selected_users: string[] }
  | { type: 'datepicker'; selected_date: string | null }
  | { type: 'timepicker'; selected_time: string | null; timezone?: string }
  | { type: 'datetimepicker'; selected_date_time: number | null }
  /** The file objects of the files the user picked (SlackEmulator.shareFile). */
  | { type: 'file_input'; files: Json[] };

export type StateValues = Record<string, Record<string, Json>>;

export interface BotProfile {
  id: string;
  deleted: boolean;
  name: string;
  updated: number;
  app_id: string;
  icons: { image_36: string; image_48: string; image_72: string };
  team_id: string;
}

export interface SlackMessage {
  type: 'message';
  subtype?: string;
  ts: string;
  text: string;
  user: string;
  bot_id: string;
  team: string;
  bot_profile: BotProfile;
  blocks?: Block[];
  thread_ts?: string;
  parent_user_id?: string;
  reply_count?: number;
  reply_users?: string[];
  reply_users_count?: number;
  latest_reply?: string;
  edited?: { user: string; ts: string };
  /** Message metadata (chat.postMessage `metadata`); the Web API shows it only to include_all_metadata. */
  metadata?: { event_type: string; event_payload: Json };
  files?: Json[];
  upload?: boolean;
}

export interface EphemeralMessage {
  channel: string;
  user: string;
  text: string;
  blocks?: Block[];
  thread_ts?: string;
  message_ts: string;
  source: 'chat.postEphemeral' | 'response_url' | 'ack';
}

export interface SlackView {
  id: string;
  team_id: string;
  type: string;
  title?: unknown;
  submit?: unknown;
  close?: unknown;
  blocks: Block[];
  private_metadata: string;
  callback_id: string;
  state: { values: StateValues };
  hash: string;
  clear_on_close: boolean;
  notify_on_close: boolean;
  root_view_id: string | null;
  previous_view_id: string | null;
  app_id: string;
  external_id: string;
  app_installed_team_id: string;
  bot_id: string;
}

export interface UserFixture {
  id: string;
  name: string;
  tz: string;
  isAdmin?: boolean;
  isOwner?: boolean;
  realName?: string;
  isBot?: boolean;
  /** The user's workspace (default: the emulator's first team). */
  teamId?: string;
}

export interface ChannelFixture {
  id: string;
  name: string;
  isPrivate?: boolean;
  isArchived?: boolean;
  /** Whether the bot is a member; `chat.postMessage` answers `not_in_channel` when false. */
  isMember?: boolean;
  /** The channel's workspace (default: the emulator's first team); other teams' tokens cannot see it. */
  teamId?: string;
}

/** A Slack workspace the app can be installed in. */
export interface TeamFixture {
  id: string;
  name: string;
  domain?: string;
  /** The Enterprise Grid organization the workspace belongs to (addEnterprise first). */
  enterpriseId?: string;
}

/** An Enterprise Grid organization: an org admin can install the app for all of it (org-wide). */
export interface EnterpriseFixture {
  id: string;
  name: string;
}

export interface UserGroupFixture {
  id: string;
  handle: string;
  users: string[];
}

/** One Web API call as it reached the emulator (the token is never kept). */
export interface WebApiCall {
  method: string;
  /** The team whose token made the call (unset when the token was refused or not needed, or was an org-wide one). */
  teamId?: string;
  /** The organization whose org-wide token made the call. */
  enterpriseId?: string;
  args: Json;
  at: number;
  status: number;
  response: Json;
}

export interface Fault {
  /** Slack error code for the body; defaults: `ratelimited` for 429, `internal_error` otherwise. */
  error?: string;
  /** HTTP status; omitted means 200 with `{ok:false, error}`. */
  status?: number;
  /** For 429: the `Retry-After` header in seconds (default 1). */
  retryAfterSeconds?: number;
  /** How many calls in a row fail (default 1). */
  times?: number;
  /** Perform the call's effect (e.g. the message is posted) and still answer with the fault. */
  afterEffect?: boolean;
  /** Drop the TCP connection instead of answering (a network failure). */
  dropConnection?: boolean;
}

export interface AppResponse {
  /** HTTP status of the app's answer; in Socket Mode 200 when acked, 0 when no ack came in time. */
  status: number;
  /** Parsed JSON, the raw text for non-JSON bodies, `undefined` for an empty ack. */
  body: unknown;
  elapsedMs: number;
  deliveryId: number;
}

export interface RetryOptions {
  /** Adds `X-Slack-Retry-Num` (HTTP) or `retry_attempt` (Socket Mode). */
  retryNum?: number;
  retryReason?: string;
}

export type DeliveryContext =
  | { kind: 'command'; userId: string; channelId: string; responseUrl: string }
  | { kind: 'action' }
  | { kind: 'view'; userId: string; viewId: string }
  | { kind: 'raw' };

export interface Delivery {
  id: number;
  type: EnvelopeType | 'raw';
  transport: 'http' | 'socket';
  payload: Json | undefined;
  /** The exact HTTP body sent (HTTP transport only). */
  rawBody: string | undefined;
  headers: Record<string, string>;
  context: DeliveryContext;
  response?: AppResponse;
}

export interface ResponseUrlPost {
  url: string;
  kind: 'command' | 'action';
  userId: string;
  channelId: string;
  body: unknown;
  status: number;
  at: number;
}

/** An ack the emulator refused to apply, as Slack would show the user an error instead. */
export interface AckRejection {
  deliveryId: number;
  problems: string[];
}

export interface StartOptions {
  signingSecret?: string;
  teamId?: string;
  /** Added to every Web API call and response_url post. */
  latencyMs?: number;
  /** How long a trigger_id can be exchanged (Slack: 3 s). */
  triggerTtlMs?: number;
  /** Socket Mode: interval of the server's WS pings. */
  socketPingIntervalMs?: number;
  /** Socket Mode: how long to wait for an envelope ack (Slack: 3 s). */
  ackTimeoutMs?: number;
}

export interface ClickButtonArgs {
  userId: string;
  actionId: string;
  /** Defaults to the button's own value. */
  value?: string;
  blockId?: string;
  /** A button on a message: its channel and ts. */
  channelId?: string;
  messageTs?: string;
  /** A button inside a modal. */
  viewId?: string;
}
