/**
 * Discord emulator: a fake Discord on 127.0.0.1 that the real discord.js 14 (@discordjs/rest 2,
 * @discordjs/ws 1) talks to. Wire facts: Discord's docs
 * (https://discord.com/developers/docs/interactions/receiving-and-responding,
 * https://discord.com/developers/docs/topics/rate-limits) and its OpenAPI spec (github.com/discord/discord-api-spec).
 *
 * Two directions, like the real thing:
 * - Discord -> app: interactions signed with Ed25519 and POSTed as JSON to the app's interactions
 *   endpoint, or dispatched as INTERACTION_CREATE on the gateway after `setTransport('gateway')`
 *   (see discord-gateway.ts). Never both: an app with an endpoint URL gets no gateway interactions.
 * - app -> Discord: the REST API under `/api/v10` (interaction callbacks, interaction webhooks,
 *   channel messages, threads, command registration, users, members) with Discord's error bodies,
 *   `X-RateLimit-*` headers and 429s, and `GET /gateway/bot` pointing at the local gateway.
 *
 * Everything the app did is kept as a member would see it (channel and thread messages in their
 * latest version, ephemerals per user, open modals) plus the raw request log, so tests assert on
 * what reached "Discord". The bot token never enters the log.
 */
import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { DiscordGatewayHub, type GatewayFrame, type IdentifyRecord } from './discord-gateway.ts';
import sharp from 'sharp';
import { DiscordCdn } from './discord/cdn.ts';
import type {
  AttachmentUpload,
  CallbackAttempt,
  ChannelFixture,
  CommandArgs,
  ComponentArgs,
  DeliveryOptions,
  DiscordMessage,
  Fault,
  GuildFixture,
  InteractionDelivery,
  InteractionResult,
  Json,
  MemberFixture,
  MessageCommandArgs,
  UserMessageArgs,
  OpenModal,
  RestCall,
  RoleFixture,
  SelectMenuArgs,
  StartOptions,
  SubmitModalArgs,
  Tamper,
} from './discord/types.ts';
import {
  ADMINISTRATOR,
  ALL_PERMISSIONS,
  API_PREFIX,
  ARCHIVE_DURATIONS,
  ATTACHMENT_SIZE_LIMIT,
  CHANNEL_ANNOUNCEMENT,
  CHANNEL_DM,
  CHANNEL_TEXT,
  COMMAND_NAME,
  CallbackType,
  DEFAULT_PERMISSIONS,
  DiscordError,
  Errors,
  Flags,
  FormErrors,
  InteractionType,
  SELECT_TYPES,
  bucketHash,
  checkIntRange,
  checkLength,
  clone,
  discordSignature,
  errorBody,
  isRecord,
  iso,
  records,
  seconds,
  sleep,
  snowflake,
  str,
} from './discord/helpers.ts';
import { checkMessagePayload, checkModal, findComponent, hasVisibleContent, normalizeComponents, normalizeEmbeds } from './discord/payload-checks.ts';
import { parseAppBody, postRaw } from './common.ts';
import { type UploadedFile, parseRequestBody, readBody } from './discord/http.ts';
import type { ChannelRecord, GuildRecord, InteractionRecord, MessageRecord, Reply, RequestContext, RouteDef } from './discord/records.ts';
import { adHocSubmitComponents, allowedCallbackTypes, checkSelectValues, flipBit, mergeResolved, modalSubmitComponents } from './discord/interactions.ts';

export type {
  AttachmentUpload,
  MessageCommandArgs,
  UserMessageArgs,
  Json,
  StartOptions,
  GuildFixture,
  ChannelFixture,
  MemberFixture,
  RoleFixture,
  DiscordMessage,
  Tamper,
  DeliveryOptions,
  CommandArgs,
  ComponentArgs,
  SelectMenuArgs,
  SubmitModalArgs,
  InteractionResult,
  InteractionDelivery,
  CallbackAttempt,
  RestCall,
  Fault,
  OpenModal,
} from './discord/types.ts';
export { snowflake, discordSignature } from './discord/helpers.ts';

// ---------------------------------------------------------------------------------------------
// The emulator
// ---------------------------------------------------------------------------------------------

export class DiscordEmulator {
  readonly applicationId: string;
  // Built at run time so no real-looking token sits in the source.
  readonly botToken: string;
  /** The application's Ed25519 public key, hex of the raw 32 bytes (the portal's "Public Key"). */
  readonly publicKeyHex: string;
  readonly botUserId: string;
  readonly botUsername: string;

  /** Every REST call, in arrival order. */
  readonly requests: RestCall[] = [];
  /** Every interaction sent to the app, in order. */
  readonly deliveries: InteractionDelivery[] = [];
  /** Every initial-response attempt, accepted or not. */
  readonly callbacks: CallbackAttempt[] = [];
  /** The bytes of every file attached to a message, by attachment id (as in `message.attachments[].id`). */
  readonly attachmentBytes = new Map<string, Buffer>();

  readonly #privateKey: KeyObject;
  #latencyMs: number;
  readonly #rateLimit: { limit: number; windowMs: number };
  readonly #initialTimeoutMs: number;
  readonly #tokenTtlMs: number;
  #interactionsUrl: string | undefined;
  #transport: 'http' | 'gateway' = 'http';
  readonly #guilds = new Map<string, GuildRecord>();
  readonly #users = new Map<string, Json>();
  readonly #channels = new Map<string, ChannelRecord>();
  readonly #messages = new Map<string, MessageRecord>();
  readonly #interactions = new Map<string, InteractionRecord>();
  readonly #tokens = new Map<string, InteractionRecord>();
  readonly #modals = new Map<string, OpenModal & { trigger: Json }>();
  readonly #globalCommands = new Map<string, Json>();
  readonly #guildCommands = new Map<string, Map<string, Json>>();
  readonly #nonces = new Map<string, { messageId: string; at: number }>();
  /** Ids for commands run while none are registered. */
  readonly #adHocIds = new Map<string, string>();
  readonly #faults = new Map<string, Array<Fault & { times: number }>>();
  readonly #buckets = new Map<string, { count: number; resetAt: number; blockedUntil: number }>();
  #globalBlockedUntil = 0;
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #routes: RouteDef[];
  readonly #server: Server;
  readonly #gateway: DiscordGatewayHub;
  #port = 0;
  #stopped = false;
  #cdn: DiscordCdn | undefined;
  readonly #dmsClosed = new Set<string>();
  readonly #attachmentTtlMs: number | undefined;

  private constructor(options: StartOptions) {
    this.applicationId = options.applicationId ?? snowflake();
    this.botUserId = this.applicationId; // Discord gives an app's bot user the application's id
    this.botUsername = options.botUsername ?? 'Greenlight';
    this.botToken = [Buffer.from(this.botUserId).toString('base64url'), randomBytes(4).toString('base64url'), randomBytes(28).toString('base64url')].join('.');
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    this.#privateKey = privateKey;
    this.publicKeyHex = Buffer.from(String(publicKey.export({ format: 'jwk' }).x), 'base64url').toString('hex');
    this.#latencyMs = options.latencyMs ?? 0;
    this.#rateLimit = options.rateLimit ?? { limit: 50, windowMs: 1000 };
    this.#initialTimeoutMs = options.initialResponseTimeoutMs ?? 3000;
    this.#tokenTtlMs = options.tokenTtlMs ?? 15 * 60 * 1000;
    this.#attachmentTtlMs = options.attachmentTtlMs;
    this.#users.set(this.botUserId, this.#userObject(this.botUserId, this.botUsername, null, true));
    this.#routes = this.#routeTable();
    this.#gateway = new DiscordGatewayHub({
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? 41250,
      allowedPrivilegedIntents: options.privilegedIntents ?? 0,
      isBotToken: (token) => token === this.botToken,
      readyData: () => this.#readyData(),
      resumeUrl: () => this.gatewayUrl,
    });
    this.#server = createServer((req, res) => {
      this.#route(req, res).catch((error: unknown) => {
        if (!res.headersSent) this.#sendJson(res, 500, { message: '500: Internal Server Error', code: 0, detail: String(error) });
        else res.destroy();
      });
    });
    this.#server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.#gateway.handleUpgrade(req, socket, head));
  }

  static async start(options: StartOptions = {}): Promise<DiscordEmulator> {
    const emulator = new DiscordEmulator(options);
    await new Promise<void>((resolve, reject) => {
      emulator.#server.once('error', reject);
      emulator.#server.listen(0, '127.0.0.1', () => resolve());
    });
    emulator.#port = (emulator.#server.address() as AddressInfo).port;
    emulator.#cdn = await DiscordCdn.start(emulator.#attachmentTtlMs);
    return emulator;
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    for (const record of this.#interactions.values()) this.#wake(record);
    await this.#gateway.close();
    await this.#cdn?.stop();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  get origin(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  /** For `new REST({ api })` and `new Client({ rest: { api } })`. */
  get apiBase(): string {
    return `${this.origin}/api`;
  }

  /**
   * The CDN host attachments are served from (cdn.discordapp.com): signed links that expire. `advanceClock(ms)`
   * moves its time forward; `fetches` lists what was downloaded.
   */
  get cdn(): DiscordCdn {
    if (this.#cdn === undefined) throw new Error('Discord emulator: not started');
    return this.#cdn;
  }

  /** What `GET /gateway/bot` hands out; clients append `?v=10&encoding=json`. */
  get gatewayUrl(): string {
    return `ws://127.0.0.1:${this.#port}`;
  }

  /** The bot's user object, as in READY and `GET /users/@me`. */
  get botUser(): Json {
    return clone(this.#users.get(this.botUserId) as Json);
  }

  /** Every route served, as `METHOD /template` (the keys `failNext` takes). */
  get routes(): string[] {
    return this.#routes.map((r) => r.key);
  }

  // -------------------------------------------------------------------------------------------
  // Fixtures
  // -------------------------------------------------------------------------------------------

  addGuild(guild: GuildFixture): void {
    const existing = this.#guilds.get(guild.id);
    if (existing !== undefined) {
      existing.fixture = { ...guild };
      return;
    }
    const roles = new Map<string, Json>();
    roles.set(guild.id, this.#roleObject({ guildId: guild.id, id: guild.id, name: '@everyone', permissions: DEFAULT_PERMISSIONS }, 0));
    this.#guilds.set(guild.id, { fixture: { ...guild }, roles, members: new Map() });
  }

  addRole(role: RoleFixture): void {
    const guild = this.#requireGuild(role.guildId);
    guild.roles.set(role.id, this.#roleObject(role, guild.roles.size));
  }

  addChannel(channel: ChannelFixture): void {
    this.#requireGuild(channel.guildId);
    const existing = this.#channels.get(channel.id);
    const object: Json = {
      id: channel.id,
      type: channel.type ?? CHANNEL_TEXT,
      guild_id: channel.guildId,
      name: channel.name,
      position: this.#channels.size,
      parent_id: channel.parentId ?? null,
      topic: channel.topic ?? null,
      nsfw: false,
      rate_limit_per_user: 0,
      last_message_id: null,
      flags: 0,
      permission_overwrites: [],
    };
    if (existing !== undefined) existing.channel = { ...object, last_message_id: existing.channel.last_message_id };
    else this.#channels.set(channel.id, { channel: object, guildId: channel.guildId, isThread: false, messageIds: [] });
  }

  addMember(member: MemberFixture): void {
    const guild = this.#requireGuild(member.guildId);
    for (const roleId of member.roles) {
      if (!guild.roles.has(roleId)) throw new Error(`Discord emulator: role ${roleId} is not in guild ${member.guildId}; call addRole() first`);
    }
    this.#users.set(member.userId, this.#userObject(member.userId, member.username, member.globalName ?? member.username, false));
    guild.members.set(member.userId, { roles: [...member.roles], nick: member.nick ?? null, joinedAt: iso() });
  }

  // -------------------------------------------------------------------------------------------
  // Switches
  // -------------------------------------------------------------------------------------------

  /** The app's Interactions Endpoint URL (HTTP transport). */
  setInteractionsUrl(url: string): void {
    this.#interactionsUrl = url;
  }

  /** `gateway`: interactions arrive as INTERACTION_CREATE and are answered via the callback route. */
  setTransport(transport: 'http' | 'gateway'): void {
    this.#transport = transport;
  }

  setLatency(ms: number): void {
    this.#latencyMs = ms;
  }

  /** Scripts the next call(s) of a route (`'POST /channels/{channel_id}/messages'`, or `'*'`) to fail. */
  failNext(route: string, fault: Fault = {}): void {
    if (route !== '*' && !this.#routes.some((r) => r.key === route)) {
      throw new Error(`Discord emulator: no route ${route}; known: ${this.routes.join(', ')}`);
    }
    const queue = this.#faults.get(route) ?? [];
    queue.push({ ...fault, times: fault.times ?? 1 });
    this.#faults.set(route, queue);
  }

  /** Ends an interaction token's 15 minutes now: its webhooks answer 401 (50027). */
  expireToken(token: string): void {
    const record = this.#tokens.get(token);
    if (record === undefined) throw new Error('Discord emulator: unknown interaction token');
    record.tokenExpired = true;
  }

  /** The user closes the modal without submitting. */
  dismissModal(userId: string): void {
    this.#modals.delete(userId);
  }

  /** Gateway: op 7, every client reconnects and resumes. */
  requestGatewayReconnect(): void {
    this.#gateway.requestReconnect();
  }

  /** Gateway: op 9 to every client. */
  invalidateGatewaySessions(resumable: boolean): void {
    this.#gateway.invalidateSessions(resumable);
  }

  /** Gateway: drop every connection without a close frame. */
  dropGatewayConnections(): void {
    this.#gateway.terminateAll();
  }

  /** Gateway traffic for assertions (IDENTIFY tokens are never kept). */
  get gatewayLog(): {
    identifies: readonly IdentifyRecord[];
    sent: readonly GatewayFrame[];
    received: readonly unknown[];
    heartbeats: number;
    resumes: number;
    closeCodes: readonly number[];
    readySessions: number;
  } {
    const hub = this.#gateway;
    return {
      identifies: hub.identifies,
      sent: hub.sent,
      received: hub.received,
      heartbeats: hub.heartbeatCount,
      resumes: hub.resumeCount,
      closeCodes: hub.closeCodes,
      readySessions: hub.readyCount,
    };
  }

  // -------------------------------------------------------------------------------------------
  // State, read as a member would see it
  // -------------------------------------------------------------------------------------------

  /** Messages of a channel or thread (latest version of each, deleted ones gone), oldest first. */
  channelMessages(channelId: string): DiscordMessage[] {
    const channel = this.#channels.get(channelId);
    if (channel === undefined) return [];
    return channel.messageIds
      .map((id) => this.#messages.get(id))
      .filter((m): m is MessageRecord => m !== undefined && !m.deleted && m.ephemeralFor === undefined)
      .map((m) => clone(m.message));
  }

  /** Discord forgets a nonce after "a few minutes": from now on, enforce_nonce finds none of the earlier ones. */
  forgetNonces(): void {
    this.#nonces.clear();
  }

  /** Messages posted in a thread (thread id == the id of the message it was started from). */
  threadMessages(threadId: string): DiscordMessage[] {
    if (this.#channels.get(threadId)?.isThread !== true) return [];
    return this.channelMessages(threadId);
  }

  /** What the bot sent the user in direct messages, oldest first. */
  directMessages(userId: string): DiscordMessage[] {
    const dm = [...this.#channels.values()].find((c) => c.channel.type === CHANNEL_DM && (c.channel.recipients as Json[])[0]?.id === userId);
    return dm === undefined ? [] : this.channelMessages(dm.channel.id as string);
  }

  /** The member turns off direct messages from server members: the bot's DMs to them fail with 50007. */
  closeDirectMessages(userId: string): void {
    this.#dmsClosed.add(userId);
  }

  /** The thread channel object, if a thread with that id exists. */
  thread(threadId: string): Json | undefined {
    const channel = this.#channels.get(threadId);
    return channel?.isThread === true ? clone(channel.channel) : undefined;
  }

  /** Any message (channel, thread or ephemeral) by id, latest version. */
  message(messageId: string): DiscordMessage | undefined {
    const record = this.#messages.get(messageId);
    return record === undefined || record.deleted ? undefined : clone(record.message);
  }

  /** Ephemeral messages only this user saw, oldest first. */
  ephemerals(userId: string): DiscordMessage[] {
    return [...this.#messages.values()].filter((m) => m.ephemeralFor === userId && !m.deleted).map((m) => clone(m.message));
  }

  /** The modal open in front of the user, if any. */
  openModal(userId: string): OpenModal | undefined {
    const modal = this.#modals.get(userId);
    if (modal === undefined) return undefined;
    const { trigger: _trigger, ...visible } = modal;
    return clone(visible);
  }

  /** Commands as registered by the bulk-overwrite routes: global ones, then per guild (with guild_id). */
  get registeredCommands(): Json[] {
    return clone([...this.#globalCommands.values(), ...[...this.#guildCommands.values()].flatMap((m) => [...m.values()])]);
  }

  /** REST calls of one route (`'POST /channels/{channel_id}/messages'`), in order. */
  callsTo(route: string): RestCall[] {
    return this.requests.filter((r) => r.route === route);
  }

  /**
   * Polls `predicate` every `intervalMs` until it returns something truthy, and returns that. The
   * timeout only bounds a broken run (a wait ends as soon as its condition holds): generous, because
   * CI shares two cores with the whole suite and 2 s was seen to run out on a healthy run.
   */
  async waitFor<T>(
    predicate: () => T | undefined | null | false | Promise<T | undefined | null | false>,
    { timeoutMs = 10_000, intervalMs = 20, what = 'condition' }: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await predicate();
      if (value !== undefined && value !== null && value !== false) return value;
      if (Date.now() >= deadline) throw new Error(`Discord emulator: timed out after ${timeoutMs} ms waiting for ${what}`);
      await sleep(intervalMs);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Discord -> app: what users do
  // -------------------------------------------------------------------------------------------

  /** A user runs a slash command (APPLICATION_COMMAND, CHAT_INPUT). */
  async command(args: CommandArgs): Promise<InteractionResult> {
    const ctx = this.#actor(args.userId, args.channelId, args.guildId);
    const definition = this.#commandDefinition(args.name, ctx.guildId);
    if (definition !== undefined && definition.type !== 1) throw new Error(`Discord emulator: ${args.name} is not a slash command`);
    const data: Json = { id: str(definition?.id) ?? this.#adHocCommandId(args.name), name: args.name, type: 1 };
    if (definition?.guild_id !== undefined) data.guild_id = definition.guild_id;
    // Files attached to ATTACHMENT options are uploaded first, as the client does; the option carries the id.
    let input = args.options;
    const attachments: Json = {};
    if (input !== undefined && !Array.isArray(input)) {
      const plain: Record<string, string | number | boolean> = {};
      for (const [name, value] of Object.entries(input)) {
        if (typeof value !== 'object') plain[name] = value;
        else {
          const def = records(definition?.options).find((d) => d.name === name);
          if (definition !== undefined && def?.type !== 11) throw new Error(`Discord emulator: option ${name} of /${args.name} takes no file`);
          const attachment = await this.#ephemeralAttachment(value);
          attachments[String(attachment.id)] = attachment;
          plain[name] = String(attachment.id);
        }
      }
      input = plain;
    }
    const { options, resolved } = this.#commandOptions(input, definition, ctx.guildId);
    if (options.length > 0) data.options = options.map((o) => (typeof o.value === 'string' && o.value in attachments ? { ...o, type: 11 } : o));
    const allResolved = Object.keys(attachments).length > 0 ? mergeResolved(resolved, { attachments }) : resolved;
    if (allResolved !== undefined) data.resolved = allResolved;
    const record = this.#newInteraction(InteractionType.ApplicationCommand, data, ctx, undefined);
    return this.#deliver(record, args.tamper);
  }

  /** A user picks a message command ("Apps" menu on a message): APPLICATION_COMMAND type 3 with the message resolved. */
  async messageCommand(args: MessageCommandArgs): Promise<InteractionResult> {
    const ctx = this.#actor(args.userId, args.channelId, args.guildId);
    const definition = this.#commandDefinition(args.name, ctx.guildId, 3);
    if (definition !== undefined && definition.type !== 3) throw new Error(`Discord emulator: ${args.name} is not a message command`);
    const target = this.#visibleMessage(args.targetMessageId, args.channelId, args.userId);
    // Attachment links in payloads are freshly signed; the content comes even without the MESSAGE_CONTENT intent.
    const message = clone(target.message);
    message.attachments = message.attachments.map((a) => ({ ...a, url: this.#resign(String(a.url)), proxy_url: this.#resign(String(a.proxy_url)) }));
    const data: Json = {
      id: str(definition?.id) ?? this.#adHocCommandId(args.name),
      name: args.name,
      type: 3,
      target_id: args.targetMessageId,
      resolved: { messages: { [args.targetMessageId]: message } },
    };
    if (definition?.guild_id !== undefined) data.guild_id = definition.guild_id;
    const record = this.#newInteraction(InteractionType.ApplicationCommand, data, ctx, undefined);
    return this.#deliver(record, args.tamper);
  }

  /** A member posts a message (with files) in a channel, as the Discord client would. */
  async postUserMessage(args: UserMessageArgs): Promise<DiscordMessage> {
    this.#actor(args.userId, args.channelId, undefined);
    const files: UploadedFile[] = (args.files ?? []).map((f, i) => ({
      key: `files[${i}]`,
      filename: f.filename,
      size: f.bytes.length,
      contentType: f.contentType ?? contentTypeOf(f.filename),
      bytes: f.bytes,
    }));
    const message = this.#buildMessage(args.channelId, { content: args.content }, files, { type: 0, extraFlags: 0 });
    message.author = clone(this.#users.get(args.userId) as Json);
    await Promise.all(
      message.attachments.map(async (a, i) => {
        Object.assign(a, await imageSize(files[i]!.bytes));
        const description = args.files?.[i]?.description;
        if (description !== undefined) a.description = description;
      }),
    );
    return clone(this.#storeMessage(message, args.channelId, undefined, undefined).message);
  }

  /** A user clicks a button on a message (MESSAGE_COMPONENT with the stored message). */
  async clickButton(args: ComponentArgs): Promise<InteractionResult> {
    const ctx = this.#actor(args.userId, args.channelId, args.guildId);
    const message = this.#visibleMessage(args.messageId, args.channelId, args.userId);
    const button = findComponent(message.message.components, (c) => c.type === 2 && c.custom_id === args.customId);
    if (button === undefined) throw new Error(`Discord emulator: no button ${args.customId} on message ${args.messageId}`);
    if (button.disabled === true) throw new Error(`Discord emulator: button ${args.customId} is disabled; users cannot click it`);
    const data: Json = { custom_id: args.customId, component_type: 2, id: button.id };
    const record = this.#newInteraction(InteractionType.MessageComponent, data, ctx, message);
    return this.#deliver(record, args.tamper);
  }

  /** A user picks values in a select menu on a message. */
  async selectMenu(args: SelectMenuArgs): Promise<InteractionResult> {
    const ctx = this.#actor(args.userId, args.channelId, args.guildId);
    const message = this.#visibleMessage(args.messageId, args.channelId, args.userId);
    const select = findComponent(message.message.components, (c) => SELECT_TYPES.has(Number(c.type)) && c.custom_id === args.customId);
    if (select === undefined) throw new Error(`Discord emulator: no select menu ${args.customId} on message ${args.messageId}`);
    checkSelectValues(select, args.values);
    const data: Json = { custom_id: args.customId, component_type: select.type, values: [...args.values], id: select.id };
    const resolved = this.#resolvedFor(Number(select.type), args.values, ctx.guildId);
    if (resolved !== undefined) data.resolved = resolved;
    const record = this.#newInteraction(InteractionType.MessageComponent, data, ctx, message);
    return this.#deliver(record, args.tamper);
  }

  /** A user submits the modal open in front of them (MODAL_SUBMIT). */
  async submitModal(args: SubmitModalArgs): Promise<InteractionResult> {
    const ctx = this.#actor(args.userId, args.channelId, args.guildId);
    const modal = this.#modals.get(args.userId);
    const open = modal !== undefined && modal.custom_id === args.customId ? modal : undefined;
    if (open === undefined && args.unsolicited !== true) {
      throw new Error(`Discord emulator: no modal ${args.customId} is open for ${args.userId} (open: ${modal?.custom_id ?? 'none'})`);
    }
    const format = args.format ?? (open !== undefined && records(open.components).some((c) => c.type === 1) ? 'actionRow' : 'label');
    // Files given to a File Upload are uploaded (ephemeral attachments); the component's values are their ids.
    const values: Record<string, string | string[]> = {};
    const attachments: Json = {};
    for (const [key, value] of Object.entries(args.values)) {
      if (!Array.isArray(value) || value.every((v) => typeof v === 'string')) {
        values[key] = value as string | string[];
        continue;
      }
      const upload = open === undefined ? undefined : findComponent(open.components, (c) => c.custom_id === key);
      if (open !== undefined && upload?.type !== 19) throw new Error(`Discord emulator: ${key} is not a File Upload; it takes no files`);
      const ids: string[] = [];
      for (const file of value as AttachmentUpload[]) {
        const attachment = await this.#ephemeralAttachment(file);
        attachments[String(attachment.id)] = attachment;
        ids.push(String(attachment.id));
      }
      values[key] = ids;
    }
    const components = open !== undefined ? modalSubmitComponents(open.components, values, format) : adHocSubmitComponents(values, format);
    const messageId = args.messageId ?? open?.messageId;
    const message = messageId === undefined ? undefined : this.#visibleMessage(messageId, args.channelId, args.userId);
    const data: Json = { custom_id: args.customId, components };
    if (Object.keys(attachments).length > 0) data.resolved = { attachments };
    const record = this.#newInteraction(InteractionType.ModalSubmit, data, ctx, message);
    record.trigger = open?.trigger;
    const result = await this.#deliver(record, args.tamper);
    // Discord keeps the modal up (with an error) when the submit fails.
    if (result.failure === undefined && this.#modals.get(args.userId) === open) this.#modals.delete(args.userId);
    return result;
  }

  /** PING, as Discord sends when the endpoint URL is saved. */
  async ping(options: DeliveryOptions = {}): Promise<InteractionResult> {
    const record = this.#newInteraction(InteractionType.Ping, undefined, undefined, undefined);
    return this.#deliver(record, options.tamper);
  }

  /**
   * What the developer portal does on saving the URL: a valid PING must get `{type:1}` and one
   * with a bad signature must get 401. Returns the problems found (empty when the endpoint passes).
   */
  async verifyEndpoint(): Promise<string[]> {
    const problems: string[] = [];
    const good = await this.ping();
    if (good.status !== 200 || !isRecord(good.body) || good.body.type !== 1) problems.push(`valid PING answered ${good.status} ${JSON.stringify(good.body)}`);
    const bad = await this.ping({ tamper: { signature: 'flip' } });
    if (bad.status !== 401) problems.push(`PING with a bad signature answered ${bad.status}, not 401`);
    return problems;
  }

  // -------------------------------------------------------------------------------------------
  // Interaction building
  // -------------------------------------------------------------------------------------------

  #actor(userId: string, channelId: string, guildId: string | undefined): { userId: string; channelId: string; guildId: string } {
    const channel = this.#channels.get(channelId);
    if (channel === undefined) throw new Error(`Discord emulator: unknown channel ${channelId}; call addChannel() first`);
    if (guildId !== undefined && guildId !== channel.guildId) throw new Error(`Discord emulator: channel ${channelId} is not in guild ${guildId}`);
    const guild = this.#requireGuild(channel.guildId);
    if (!guild.members.has(userId)) throw new Error(`Discord emulator: ${userId} is not a member of guild ${channel.guildId}; call addMember() first`);
    return { userId, channelId, guildId: channel.guildId };
  }

  #newInteraction(
    type: number,
    data: Json | undefined,
    ctx: { userId: string; channelId: string; guildId: string } | undefined,
    source: MessageRecord | undefined,
  ): InteractionRecord {
    const id = snowflake();
    const token = Buffer.from(`interaction:${id}:${randomBytes(48).toString('base64url')}`).toString('base64url');
    const payload: Json = { application_id: this.applicationId, entitlements: [], id, token, type, version: 1 };
    if (ctx === undefined) {
      payload.user = clone(this.#users.get(this.botUserId));
    } else {
      const member = this.#memberObject(ctx.guildId, ctx.userId, true);
      Object.assign(payload, {
        app_permissions: ALL_PERMISSIONS,
        attachment_size_limit: ATTACHMENT_SIZE_LIMIT,
        authorizing_integration_owners: { '0': ctx.guildId },
        channel: { ...this.#channelObject(ctx.channelId), permissions: member.permissions },
        channel_id: ctx.channelId,
        context: 0,
        data,
        entitlement_sku_ids: [],
        guild: { features: [], id: ctx.guildId, locale: 'en-US' },
        guild_id: ctx.guildId,
        guild_locale: 'en-US',
        locale: 'en-US',
        member,
      });
      if (source !== undefined) payload.message = clone(source.message);
    }
    const record: InteractionRecord = {
      id,
      token,
      type,
      payload,
      userId: ctx?.userId,
      guildId: ctx?.guildId,
      channelId: ctx?.channelId,
      sourceMessageId: source?.message.id,
      issuedAt: Date.now(),
      tokenExpired: false,
      response: undefined,
      responseStatus: 0,
      originalMessageId: undefined,
      loading: false,
      messageIds: new Set(),
      trigger: undefined,
      waiters: [],
    };
    this.#interactions.set(id, record);
    this.#tokens.set(token, record);
    return record;
  }

  #visibleMessage(messageId: string, channelId: string, userId: string): MessageRecord {
    const record = this.#messages.get(messageId);
    if (record === undefined || record.deleted || record.channelId !== channelId) {
      throw new Error(`Discord emulator: no message ${messageId} in channel ${channelId}`);
    }
    if (record.ephemeralFor !== undefined && record.ephemeralFor !== userId) {
      throw new Error(`Discord emulator: message ${messageId} is ephemeral for ${record.ephemeralFor}; ${userId} cannot see it`);
    }
    return record;
  }

  #commandDefinition(name: string, guildId: string, type = 1): Json | undefined {
    const key = type === 1 ? name : `${type}:${name}`;
    const found = this.#guildCommands.get(guildId)?.get(key) ?? this.#globalCommands.get(key);
    const anyRegistered = this.#globalCommands.size > 0 || (this.#guildCommands.get(guildId)?.size ?? 0) > 0;
    if (found === undefined && anyRegistered) {
      throw new Error(`Discord emulator: /${name} is not registered for guild ${guildId}; users cannot run it`);
    }
    return found;
  }

  #adHocCommandId(name: string): string {
    let id = this.#adHocIds.get(name);
    if (id === undefined) this.#adHocIds.set(name, (id = snowflake()));
    return id;
  }

  #commandOptions(input: CommandArgs['options'], definition: Json | undefined, guildId: string): { options: Json[]; resolved: Json | undefined } {
    if (input === undefined) input = {};
    if (Array.isArray(input)) return { options: clone(input), resolved: undefined };
    const defs = records(definition?.options);
    for (const def of defs) {
      if (def.required === true && !(String(def.name) in input))
        throw new Error(`Discord emulator: /${String(definition?.name)} needs option ${String(def.name)}`);
    }
    const options: Json[] = [];
    let resolved: Json | undefined;
    for (const [name, value] of Object.entries(input)) {
      const def = defs.find((d) => d.name === name);
      if (definition !== undefined && def === undefined) throw new Error(`Discord emulator: /${String(definition.name)} has no option ${name}`);
      const type =
        typeof def?.type === 'number' ? def.type : typeof value === 'boolean' ? 5 : typeof value === 'number' ? (Number.isInteger(value) ? 4 : 10) : 3;
      options.push({ name, type, value });
      const more = this.#resolvedFor(type === 6 ? 5 : type === 8 ? 6 : type === 7 ? 8 : 0, [String(value)], guildId);
      if (more !== undefined) resolved = mergeResolved(resolved, more);
    }
    return { options, resolved };
  }

  /** `resolved` for user (5), role (6) and channel (8) selects and the matching command options. */
  #resolvedFor(selectType: number, values: string[], guildId: string): Json | undefined {
    const guild = this.#guilds.get(guildId);
    if (selectType === 5) {
      const users: Json = {};
      const members: Json = {};
      for (const id of values) {
        const user = this.#users.get(id);
        if (user !== undefined) users[id] = clone(user);
        if (guild?.members.has(id)) {
          const { user: _user, ...member } = this.#memberObject(guildId, id, true);
          members[id] = member;
        }
      }
      return { users, members };
    }
    if (selectType === 6) {
      const roles: Json = {};
      for (const id of values) {
        const role = guild?.roles.get(id);
        if (role !== undefined) roles[id] = clone(role);
      }
      return { roles };
    }
    if (selectType === 8) {
      const channels: Json = {};
      for (const id of values) if (this.#channels.has(id)) channels[id] = { ...this.#channelObject(id), permissions: ALL_PERMISSIONS };
      return { channels };
    }
    return undefined;
  }

  // -------------------------------------------------------------------------------------------
  // Delivery plumbing
  // -------------------------------------------------------------------------------------------

  async #deliver(record: InteractionRecord, tamper: Tamper | undefined): Promise<InteractionResult> {
    if (this.#transport === 'gateway' && record.type !== InteractionType.Ping) return this.#sendGateway(record);
    return this.#sendHttp(record, tamper);
  }

  async #sendGateway(record: InteractionRecord): Promise<InteractionResult> {
    const delivery: InteractionDelivery = {
      id: record.id,
      type: record.type,
      transport: 'gateway',
      payload: record.payload,
      rawBody: undefined,
      headers: {},
      tampered: false,
    };
    this.deliveries.push(delivery);
    const started = performance.now();
    const { delivered, queued } = this.#gateway.dispatch('INTERACTION_CREATE', clone(record.payload));
    // A disconnected but resumable session keeps the event; the bot gets it if it resumes in time.
    if (delivered + queued === 0) throw new Error('Discord emulator: no gateway session (did client.login() finish?)');
    const answered = await this.#awaitResponse(record, record.issuedAt + this.#initialTimeoutMs);
    delivery.result = {
      status: answered ? record.responseStatus : 0,
      body: record.response,
      elapsedMs: performance.now() - started,
      interaction: clone(record.payload),
      response: clone(record.response),
      failure: answered ? undefined : `no initial response within ${this.#initialTimeoutMs} ms`,
    };
    return delivery.result;
  }

  async #sendHttp(record: InteractionRecord, tamper: Tamper = {}): Promise<InteractionResult> {
    if (this.#interactionsUrl === undefined) throw new Error("Discord emulator: call setInteractionsUrl() with the app's interactions endpoint first");
    const json = JSON.stringify(record.payload);
    const signedBody = tamper.rawBody ?? json;
    const timestamp = tamper.timestamp === undefined ? String(Math.floor(Date.now() / 1000)) : tamper.timestamp === null ? '' : String(tamper.timestamp);
    let signature = discordSignature(this.#privateKey, timestamp, signedBody);
    if (tamper.signature === 'flip') signature = flipBit(signature);
    else if (tamper.signature === 'wrongKey') signature = discordSignature(generateKeyPairSync('ed25519').privateKey, timestamp, signedBody);
    else if (tamper.signature !== undefined && tamper.signature !== 'missing') signature = tamper.signature;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'Discord-Interactions/1.0 (+https://discord.com)',
    };
    if (tamper.signature !== 'missing') headers['x-signature-ed25519'] = signature;
    if (tamper.timestamp !== null) headers['x-signature-timestamp'] = timestamp;
    const sentBody = tamper.bodyAfterSigning ?? signedBody;
    const tampered = Object.keys(tamper).length > 0;
    const delivery: InteractionDelivery = {
      id: record.id,
      type: record.type,
      transport: 'http',
      payload: record.payload,
      rawBody: sentBody,
      headers,
      tampered,
    };
    this.deliveries.push(delivery);

    const started = performance.now();
    const deadline = record.issuedAt + this.#initialTimeoutMs;
    const reply = await postRaw(this.#interactionsUrl, sentBody, headers, Math.max(1, deadline - Date.now()));
    const body = parseAppBody(reply.headers['content-type'], reply.text);
    const elapsedMs = performance.now() - started;
    let failure: string | undefined;
    if (reply.status === 0) failure = `no answer within ${this.#initialTimeoutMs} ms`;
    else if (reply.status === 200 && body !== undefined) {
      const json = String(reply.headers['content-type'] ?? '').startsWith('application/json');
      if (!json || !isRecord(body) || typeof body.type !== 'number') failure = 'the answer is not a JSON interaction response';
      else failure = this.#applyHttpAnswer(record, body);
    } else if (reply.status >= 200 && reply.status < 300) {
      // An empty 2xx (Discord documents 202) means the answer comes through the callback route.
      if (!(await this.#awaitResponse(record, deadline))) failure = `no initial response within ${this.#initialTimeoutMs} ms`;
    } else if (record.response === undefined) failure = `the app answered HTTP ${reply.status}`;
    delivery.result = { status: reply.status, body, elapsedMs, interaction: clone(record.payload), response: clone(record.response), failure };
    return delivery.result;
  }

  /** An initial response in the HTTP answer body; returns why it failed, if it did. */
  #applyHttpAnswer(record: InteractionRecord, body: Json): string | undefined {
    const attempt: CallbackAttempt = { interactionId: record.id, via: 'http', body: clone(body), status: 200, error: undefined, at: Date.now() };
    this.callbacks.push(attempt);
    try {
      this.#applyInitialResponse(record, body, [], 200);
      return undefined;
    } catch (error) {
      if (!(error instanceof DiscordError)) throw error;
      attempt.status = error.status;
      attempt.error = error.body;
      return `initial response rejected: ${JSON.stringify(error.body)}`;
    }
  }

  #awaitResponse(record: InteractionRecord, deadline: number): Promise<boolean> {
    if (record.response !== undefined) return Promise.resolve(true);
    if (this.#stopped) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(
        () => {
          this.#timers.delete(timer);
          resolve(record.response !== undefined);
        },
        Math.max(0, deadline - Date.now()),
      );
      this.#timers.add(timer);
      record.waiters.push(() => {
        clearTimeout(timer);
        this.#timers.delete(timer);
        resolve(record.response !== undefined);
      });
    });
  }

  #wake(record: InteractionRecord): void {
    const waiters = record.waiters.splice(0);
    for (const wake of waiters) wake();
  }

  // -------------------------------------------------------------------------------------------
  // Initial responses (HTTP answer body or POST /interactions/{id}/{token}/callback)
  // -------------------------------------------------------------------------------------------

  #applyInitialResponse(record: InteractionRecord, body: Json, files: UploadedFile[], status: number): void {
    if (record.response !== undefined) throw Errors.alreadyAcknowledged();
    if (Date.now() > record.issuedAt + this.#initialTimeoutMs) throw Errors.unknownInteraction();
    const type = body.type;
    const data = isRecord(body.data) ? body.data : undefined;
    const allowed = allowedCallbackTypes(record);
    if (typeof type !== 'number' || !allowed.includes(type)) {
      const errs = new FormErrors();
      errs.add(['type'], 'INTERACTION_RESPONSE_TYPE_INVALID', `Interaction response type must be one of {${allowed.join(', ')}} for this interaction.`);
      errs.throwIfAny();
    }
    switch (type) {
      case CallbackType.Pong:
        break;
      case CallbackType.ChannelMessage: {
        const payload = data ?? {};
        checkMessagePayload(payload, { mode: 'create', ephemeralAllowed: true, hasFiles: files.length > 0 });
        const message = this.#createInteractionMessage(record, payload, files, false);
        record.originalMessageId = message.message.id;
        break;
      }
      case CallbackType.DeferredChannelMessage: {
        const flags = typeof data?.flags === 'number' ? data.flags : 0;
        const message = this.#createInteractionMessage(record, { content: '', flags: flags & Flags.Ephemeral }, [], true);
        record.originalMessageId = message.message.id;
        record.loading = true;
        break;
      }
      case CallbackType.DeferredUpdate:
        record.originalMessageId = record.sourceMessageId;
        break;
      case CallbackType.UpdateMessage: {
        const source = record.sourceMessageId === undefined ? undefined : this.#messages.get(record.sourceMessageId);
        if (source === undefined || source.deleted) throw Errors.unknownMessage();
        checkMessagePayload(data ?? {}, { mode: 'edit', ephemeralAllowed: true, hasFiles: files.length > 0 });
        this.#editMessage(source, data ?? {}, files);
        record.originalMessageId = source.message.id;
        break;
      }
      case CallbackType.AutocompleteResult:
        break;
      case CallbackType.Modal: {
        checkModal(data);
        const modal = data as Json;
        this.#modals.set(record.userId as string, {
          custom_id: String(modal.custom_id),
          title: String(modal.title),
          components: normalizeComponents(modal.components),
          interactionId: record.id,
          channelId: record.channelId as string,
          messageId: record.sourceMessageId,
          trigger: this.#interactionMetadata(record),
        });
        break;
      }
      default:
        throw Errors.alreadyAcknowledged(); // unreachable: filtered above
    }
    record.response = clone(body);
    record.responseStatus = status;
    this.#wake(record);
  }

  /** The body of a callback with `?with_response=true`. */
  #callbackResponse(record: InteractionRecord): Json {
    const responseType = Number(record.response?.type);
    const interaction: Json = { id: record.id, type: record.type };
    const original = record.originalMessageId === undefined ? undefined : this.#messages.get(record.originalMessageId);
    if (original !== undefined && (responseType === 4 || responseType === 5 || responseType === 7)) {
      interaction.response_message_id = original.message.id;
      interaction.response_message_loading = record.loading;
      interaction.response_message_ephemeral = original.ephemeralFor !== undefined;
    }
    const body: Json = { interaction };
    if (original !== undefined && (responseType === 4 || responseType === 7)) body.resource = { type: responseType, message: clone(original.message) };
    return body;
  }

  #interactionMetadata(record: InteractionRecord): Json {
    const metadata: Json = {
      id: record.id,
      type: record.type,
      user: clone(record.userId === undefined ? undefined : this.#users.get(record.userId)),
      authorizing_integration_owners: record.guildId === undefined ? {} : { '0': record.guildId },
    };
    if (record.type === InteractionType.ApplicationCommand) {
      const data = record.payload.data as Json;
      metadata.name = data.name;
      metadata.command_type = data.type;
    }
    if (record.type === InteractionType.MessageComponent) metadata.interacted_message_id = record.sourceMessageId;
    if (record.type === InteractionType.ModalSubmit) metadata.triggering_interaction_metadata = clone(record.trigger ?? {});
    if (record.originalMessageId !== undefined && record.type !== InteractionType.MessageComponent) {
      metadata.original_response_message_id = record.originalMessageId;
    }
    return metadata;
  }

  #createInteractionMessage(record: InteractionRecord, payload: Json, files: UploadedFile[], loading: boolean, threadId?: string): MessageRecord {
    const flags = typeof payload.flags === 'number' ? payload.flags : 0;
    const ephemeral = (flags & Flags.Ephemeral) !== 0;
    const channelId = threadId ?? (record.channelId as string);
    const message = this.#buildMessage(channelId, payload, files, {
      type: record.type === InteractionType.ApplicationCommand && !record.messageIds.size ? 20 : 0,
      extraFlags: loading ? Flags.Loading : 0,
    });
    message.webhook_id = this.applicationId;
    message.application_id = this.applicationId;
    message.interaction_metadata = this.#interactionMetadata(record);
    if (record.type === InteractionType.ApplicationCommand) {
      message.interaction = {
        id: record.id,
        type: record.type,
        name: (record.payload.data as Json).name,
        user: clone(this.#users.get(record.userId as string)),
      };
    }
    const stored = this.#storeMessage(message, channelId, ephemeral ? record.userId : undefined, record.id);
    record.messageIds.add(message.id);
    return stored;
  }

  // -------------------------------------------------------------------------------------------
  // Messages
  // -------------------------------------------------------------------------------------------

  #buildMessage(channelId: string, payload: Json, files: UploadedFile[], extra: { type: number; extraFlags: number }): DiscordMessage {
    const id = snowflake();
    const flags = typeof payload.flags === 'number' ? payload.flags : 0;
    const keptFlags = flags & (Flags.SuppressEmbeds | Flags.SuppressNotifications | Flags.ComponentsV2 | Flags.Ephemeral);
    const mentions = this.#mentions(channelId, typeof payload.content === 'string' ? payload.content : '', payload.allowed_mentions);
    const message: DiscordMessage = {
      type: extra.type,
      content: typeof payload.content === 'string' ? payload.content : '',
      mentions: mentions.users,
      mention_roles: mentions.roles,
      attachments: files.map((file) => this.#attachment(file, channelId)),
      embeds: normalizeEmbeds(payload.embeds),
      timestamp: iso(),
      edited_timestamp: null,
      flags: keptFlags | extra.extraFlags,
      components: normalizeComponents(payload.components),
      id,
      channel_id: channelId,
      author: clone(this.#users.get(this.botUserId) as Json),
      pinned: false,
      mention_everyone: mentions.everyone,
      tts: payload.tts === true,
    };
    if (payload.nonce !== undefined && payload.nonce !== null) message.nonce = payload.nonce;
    return message;
  }

  #storeMessage(message: DiscordMessage, channelId: string, ephemeralFor: string | undefined, interactionId: string | undefined): MessageRecord {
    const record: MessageRecord = { message, channelId, ephemeralFor, deleted: false, interactionId };
    this.#messages.set(message.id, record);
    const channel = this.#channels.get(channelId);
    if (channel !== undefined) {
      channel.messageIds.push(message.id);
      if (ephemeralFor === undefined) {
        channel.channel.last_message_id = message.id;
        if (channel.isThread) {
          channel.channel.message_count = Number(channel.channel.message_count) + 1;
          channel.channel.total_message_sent = Number(channel.channel.total_message_sent) + 1;
          const starter = this.#messages.get(String(channel.channel.id));
          if (starter !== undefined) starter.message.thread = clone(channel.channel);
        }
      }
    }
    return record;
  }

  #editMessage(record: MessageRecord, payload: Json, files: UploadedFile[]): void {
    const message = record.message;
    const next = clone(message);
    if ('content' in payload) next.content = typeof payload.content === 'string' ? payload.content : '';
    if ('embeds' in payload) next.embeds = normalizeEmbeds(payload.embeds);
    if ('components' in payload) next.components = normalizeComponents(payload.components);
    if (typeof payload.flags === 'number') {
      const toggles = Flags.SuppressEmbeds | Flags.ComponentsV2;
      next.flags = (next.flags & ~toggles) | (payload.flags & toggles);
    }
    if ('attachments' in payload) {
      const keep = new Set(records(payload.attachments).map((a) => String(a.id)));
      next.attachments = next.attachments.filter((a) => keep.has(String(a.id)));
    }
    next.attachments = [...next.attachments, ...files.map((file) => this.#attachment(file, record.channelId))];
    if ('content' in payload || 'allowed_mentions' in payload) {
      const mentions = this.#mentions(record.channelId, next.content, payload.allowed_mentions);
      next.mentions = mentions.users;
      next.mention_roles = mentions.roles;
      next.mention_everyone = mentions.everyone;
    }
    next.flags &= ~Flags.Loading;
    if (!hasVisibleContent(next) && next.attachments.length === 0) throw Errors.emptyMessage();
    next.edited_timestamp = iso();
    record.message = next;
  }

  #attachment(file: UploadedFile, channelId: string): Json {
    const id = snowflake();
    this.attachmentBytes.set(id, file.bytes);
    const url = this.cdn.put(`/attachments/${channelId}/${id}/${encodeURIComponent(file.filename)}`, file.bytes, file.contentType);
    return { id, filename: file.filename, size: file.size, url, proxy_url: url, content_type: file.contentType };
  }

  /** A file uploaded to an interaction (command option, File Upload): an ephemeral attachment, "removed after a set period". */
  async #ephemeralAttachment(upload: AttachmentUpload): Promise<Json> {
    if (upload.bytes.length > ATTACHMENT_SIZE_LIMIT)
      throw new Error(`Discord emulator: ${upload.filename} is over the ${ATTACHMENT_SIZE_LIMIT}-byte upload limit; the client refuses it`);
    if (upload.description !== undefined && upload.description.length > 1024)
      throw new Error('Discord emulator: an attachment description takes at most 1024 characters');
    const id = snowflake();
    const contentType = upload.contentType ?? contentTypeOf(upload.filename);
    this.attachmentBytes.set(id, upload.bytes);
    const url = this.cdn.put(`/ephemeral-attachments/${this.applicationId}/${id}/${encodeURIComponent(upload.filename)}`, upload.bytes, contentType);
    const attachment: Json = { id, filename: upload.filename, size: upload.bytes.length, url, proxy_url: url, content_type: contentType, ephemeral: true };
    Object.assign(attachment, await imageSize(upload.bytes));
    if (upload.description !== undefined) attachment.description = upload.description;
    return attachment;
  }

  /** The same file with a freshly signed link (Discord signs anew in every payload it sends). */
  #resign(url: string): string {
    const parsed = URL.parse(url);
    return parsed === null || !url.startsWith(this.cdn.origin) ? url : this.cdn.signed(parsed.pathname);
  }

  /** Who a message pings, honouring `allowed_mentions` (absent: everything parsed from the content). */
  #mentions(channelId: string, content: string, allowed: unknown): { users: Json[]; roles: string[]; everyone: boolean } {
    const rules = isRecord(allowed) ? allowed : undefined;
    const parse = rules === undefined ? ['users', 'roles', 'everyone'] : Array.isArray(rules.parse) ? rules.parse.map(String) : [];
    const explicitUsers = new Set(Array.isArray(rules?.users) ? rules.users.map(String) : []);
    const explicitRoles = new Set(Array.isArray(rules?.roles) ? rules.roles.map(String) : []);
    const guildId = this.#channels.get(channelId)?.guildId;
    const guild = guildId === undefined ? undefined : this.#guilds.get(guildId);
    const users = [...content.matchAll(/<@!?(\d{5,20})>/g)]
      .map((m) => m[1] as string)
      .filter((id, i, all) => all.indexOf(id) === i && (parse.includes('users') || explicitUsers.has(id)))
      .map((id) => this.#users.get(id))
      .filter((u): u is Json => u !== undefined)
      .map((u) => clone(u));
    const roles = [...content.matchAll(/<@&(\d{5,20})>/g)]
      .map((m) => m[1] as string)
      .filter((id, i, all) => all.indexOf(id) === i && guild?.roles.has(id) === true && (parse.includes('roles') || explicitRoles.has(id)));
    const everyone = /@(everyone|here)\b/.test(content) && parse.includes('everyone');
    return { users, roles, everyone };
  }

  // -------------------------------------------------------------------------------------------
  // HTTP routing (app -> Discord)
  // -------------------------------------------------------------------------------------------

  async #route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.origin);
    if (!url.pathname.startsWith('/api/')) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }
    const method = (req.method ?? 'GET').toUpperCase();
    const header = req.headers.authorization;
    const call: RestCall = {
      method,
      path: url.pathname,
      route: '',
      query: Object.fromEntries(url.searchParams),
      body: undefined,
      headers: Object.fromEntries(
        Object.entries(req.headers)
          .filter(([k]) => k !== 'authorization')
          .map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)]),
      ),
      auth: header === undefined ? 'none' : header === `Bot ${this.botToken}` ? 'bot' : 'invalid',
      status: 0,
      response: undefined,
      at: Date.now(),
    };
    this.requests.push(call);
    let raw: Buffer;
    try {
      raw = await readBody(req);
    } catch (error) {
      return this.#finish(
        res,
        call,
        error instanceof DiscordError ? { status: error.status, body: error.body } : { status: 400, body: errorBody(0, '400: Bad Request') },
        {},
      );
    }
    if (this.#latencyMs > 0) await sleep(this.#latencyMs);

    if (!url.pathname.startsWith(`${API_PREFIX}/`)) {
      return this.#finish(res, call, { status: 400, body: errorBody(50041, 'Invalid API version provided.') }, {});
    }
    // Match on decoded segments: discord-api-types' Routes encode `@me` as `%40me`, Discord decodes.
    const path = url.pathname
      .slice(API_PREFIX.length)
      .split('/')
      .map((segment) => {
        try {
          return decodeURIComponent(segment);
        } catch {
          return segment;
        }
      })
      .join('/');
    const matches = this.#routes.map((route) => ({ route, match: route.pattern.exec(path) })).filter((m) => m.match !== null);
    const found = matches.find((m) => m.route.method === method);
    if (found === undefined) {
      const error = matches.length > 0 ? Errors.methodNotAllowed() : Errors.notFound();
      return this.#finish(res, call, { status: error.status, body: error.body }, {});
    }
    const { route } = found;
    call.route = route.key;
    const params = Object.fromEntries(route.names.map((name, i) => [name, found.match?.[i + 1] ?? '']));

    if (route.auth && call.auth !== 'bot') return this.#finish(res, call, { status: 401, body: Errors.unauthorized().body }, {});

    const bucketKey = `${bucketHash(route.key)}:${route.major.map((p) => params[p]).join('/')}`;
    const limited = this.#limit(bucketKey, route.key);
    if ('retryAfter' in limited)
      return this.#finish(res, call, this.#rateLimited(limited.retryAfter, limited.global, 'user', limited.headers), limited.headers);
    const rateHeaders = limited.headers;

    const fault = this.#takeFault(route.key);
    let reply: Reply;
    if (fault === undefined || fault.afterEffect === true) {
      reply = await this.#handle(route, req, raw, params, url.searchParams, call);
    } else {
      reply = { status: 0 };
    }
    if (fault !== undefined) {
      if (fault.delayMs !== undefined) await sleep(fault.delayMs);
      if (fault.dropConnection === true) {
        call.status = 0;
        res.socket?.destroy();
        return;
      }
      reply = this.#faultReply(fault, bucketKey, rateHeaders);
    }
    return this.#finish(res, call, reply, rateHeaders);
  }

  async #handle(route: RouteDef, req: IncomingMessage, raw: Buffer, params: Record<string, string>, query: URLSearchParams, call: RestCall): Promise<Reply> {
    try {
      const { body, files } = await parseRequestBody(req, raw);
      call.body = clone(body);
      return await route.handler({ params, query, body, files });
    } catch (error) {
      if (error instanceof DiscordError) return { status: error.status, body: error.body, headers: error.headers };
      throw error;
    }
  }

  #finish(res: ServerResponse, call: RestCall, reply: Reply, rateHeaders: Record<string, string>): void {
    call.status = reply.status;
    call.response = clone(reply.body);
    const headers = { ...rateHeaders, ...reply.headers };
    if (reply.body === undefined) {
      res.writeHead(reply.status, headers);
      res.end();
    } else this.#sendJson(res, reply.status, reply.body, headers);
  }

  #sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  }

  /** Counts a request against its bucket; returns the headers, or a 429 when the bucket or the bot is blocked. */
  #limit(key: string, routeKey: string): { headers: Record<string, string> } | { retryAfter: number; global: boolean; headers: Record<string, string> } {
    const now = Date.now();
    if (this.#globalBlockedUntil > now)
      return { retryAfter: (this.#globalBlockedUntil - now) / 1000, global: true, headers: { 'x-ratelimit-global': 'true', 'x-ratelimit-scope': 'global' } };
    let bucket = this.#buckets.get(key);
    if (bucket === undefined || now >= bucket.resetAt) {
      bucket = { count: 0, resetAt: now + this.#rateLimit.windowMs, blockedUntil: bucket?.blockedUntil ?? 0 };
      this.#buckets.set(key, bucket);
    }
    const headers = (remaining: number, resetAt: number): Record<string, string> => ({
      'x-ratelimit-limit': String(this.#rateLimit.limit),
      'x-ratelimit-remaining': String(remaining),
      'x-ratelimit-reset': seconds(resetAt),
      'x-ratelimit-reset-after': seconds(resetAt - now),
      'x-ratelimit-bucket': bucketHash(routeKey),
    });
    if (bucket.blockedUntil > now || bucket.count >= this.#rateLimit.limit) {
      const until = Math.max(bucket.blockedUntil, bucket.resetAt);
      return { retryAfter: (until - now) / 1000, global: false, headers: headers(0, until) };
    }
    bucket.count += 1;
    return { headers: headers(this.#rateLimit.limit - bucket.count, bucket.resetAt) };
  }

  #rateLimited(retryAfter: number, global: boolean, scope: string, headers: Record<string, string>, code?: number): Reply {
    const body: Json = { message: 'You are being rate limited.', retry_after: Number(retryAfter.toFixed(3)), global };
    if (code !== undefined) body.code = code;
    return {
      status: 429,
      body,
      headers: { ...headers, 'retry-after': String(Math.max(1, Math.ceil(retryAfter))), 'x-ratelimit-scope': global ? 'global' : scope },
    };
  }

  #takeFault(routeKey: string): (Fault & { times: number }) | undefined {
    for (const key of [routeKey, '*']) {
      const queue = this.#faults.get(key);
      const fault = queue?.[0];
      if (queue === undefined || fault === undefined) continue;
      fault.times -= 1;
      if (fault.times <= 0) queue.shift();
      return fault;
    }
    return undefined;
  }

  #faultReply(fault: Fault, bucketKey: string, rateHeaders: Record<string, string>): Reply {
    const status = fault.status ?? 429;
    if (status === 429) {
      const retryAfter = fault.retryAfter ?? 1;
      const global = fault.global === true || fault.scope === 'global';
      const until = Date.now() + retryAfter * 1000;
      if (global) {
        this.#globalBlockedUntil = until;
        return this.#rateLimited(retryAfter, true, 'global', { 'x-ratelimit-global': 'true' }, fault.code);
      }
      const bucket = this.#buckets.get(bucketKey);
      if (bucket !== undefined) bucket.blockedUntil = until;
      const headers = { ...rateHeaders, 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': seconds(until), 'x-ratelimit-reset-after': retryAfter.toFixed(3) };
      return this.#rateLimited(retryAfter, false, fault.scope ?? 'user', headers, fault.code);
    }
    const defaults: Record<number, [number, string]> = {
      400: [50035, 'Invalid Form Body'],
      401: [0, '401: Unauthorized'],
      403: [50013, 'Missing Permissions'],
      404: [0, '404: Not Found'],
      500: [0, '500: Internal Server Error'],
      502: [0, '502: Bad Gateway'],
      503: [0, '503: Service Unavailable'],
    };
    const [code, message] = defaults[status] ?? [0, `${status}: Error`];
    return { status, body: errorBody(fault.code ?? code, fault.message ?? message) };
  }

  // -------------------------------------------------------------------------------------------
  // REST routes
  // -------------------------------------------------------------------------------------------

  #routeTable(): RouteDef[] {
    const routes: RouteDef[] = [];
    const add = (method: string, template: string, options: { auth?: boolean; major?: string[] }, handler: RouteDef['handler']): void => {
      const names: string[] = [];
      const source = template
        .split('/')
        .map((part) => {
          const param = /^\{(\w+)\}$/.exec(part);
          if (param === null) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
          names.push(param[1] as string);
          return '([^/]+)';
        })
        .join('/');
      routes.push({
        method,
        template,
        key: `${method} ${template}`,
        pattern: new RegExp(`^${source}$`),
        names,
        auth: options.auth ?? true,
        major: options.major ?? [],
        handler,
      });
    };
    const webhook = { auth: false, major: ['webhook_id', 'webhook_token'] };
    add('GET', '/gateway', { auth: false }, () => ({ status: 200, body: { url: this.gatewayUrl } }));
    add('GET', '/gateway/bot', {}, () => ({
      status: 200,
      body: { url: this.gatewayUrl, shards: 1, session_start_limit: { total: 1000, remaining: 999, reset_after: 86_400_000, max_concurrency: 1 } },
    }));
    add('GET', '/users/@me', {}, () => ({ status: 200, body: this.#botUserPii() }));
    add('GET', '/users/{user_id}', {}, ({ params }) => {
      const user = this.#users.get(params.user_id as string);
      if (user === undefined) throw Errors.unknownUser();
      return { status: 200, body: clone(user) };
    });
    add('GET', '/applications/@me', {}, () => ({ status: 200, body: this.#applicationObject() }));
    add('GET', '/applications/{application_id}/commands', {}, ({ params }) => {
      this.#requireApplication(params.application_id);
      return { status: 200, body: clone([...this.#globalCommands.values()]) };
    });
    add('PUT', '/applications/{application_id}/commands', {}, ({ params, body }) => {
      this.#requireApplication(params.application_id);
      return { status: 200, body: this.#overwriteCommands(this.#globalCommands, body, undefined) };
    });
    add('GET', '/applications/{application_id}/guilds/{guild_id}/commands', { major: ['guild_id'] }, ({ params }) => {
      this.#requireApplication(params.application_id);
      this.#guildOrThrow(params.guild_id as string);
      return { status: 200, body: clone([...(this.#guildCommands.get(params.guild_id as string)?.values() ?? [])]) };
    });
    add('PUT', '/applications/{application_id}/guilds/{guild_id}/commands', { major: ['guild_id'] }, ({ params, body }) => {
      this.#requireApplication(params.application_id);
      const guildId = params.guild_id as string;
      this.#guildOrThrow(guildId);
      const commands = this.#guildCommands.get(guildId) ?? new Map<string, Json>();
      this.#guildCommands.set(guildId, commands);
      return { status: 200, body: this.#overwriteCommands(commands, body, guildId) };
    });
    add('GET', '/guilds/{guild_id}', { major: ['guild_id'] }, ({ params }) => ({ status: 200, body: this.#guildObject(params.guild_id as string) }));
    add('GET', '/guilds/{guild_id}/roles', { major: ['guild_id'] }, ({ params }) => ({
      status: 200,
      body: clone([...this.#guildOrThrow(params.guild_id as string).roles.values()]),
    }));
    add('GET', '/guilds/{guild_id}/members/{user_id}', { major: ['guild_id'] }, ({ params }) => {
      const guild = this.#guildOrThrow(params.guild_id as string);
      if (!guild.members.has(params.user_id as string)) throw Errors.unknownMember();
      const { permissions: _permissions, ...member } = this.#memberObject(params.guild_id as string, params.user_id as string, false);
      return { status: 200, body: member };
    });
    add('GET', '/channels/{channel_id}', { major: ['channel_id'] }, ({ params }) => ({
      status: 200,
      body: this.#channelObject(this.#channelOrThrow(params.channel_id as string).channel.id as string),
    }));
    add('POST', '/users/@me/channels', {}, ({ body }) => ({ status: 200, body: this.#openDm(body) }));
    add('POST', '/channels/{channel_id}/messages', { major: ['channel_id'] }, (ctx) => this.#createChannelMessage(ctx));
    add('GET', '/channels/{channel_id}/messages', { major: ['channel_id'] }, ({ params, query }) => ({
      status: 200,
      body: this.#listMessages(params.channel_id as string, query),
    }));
    add('GET', '/channels/{channel_id}/messages/{message_id}', { major: ['channel_id'] }, ({ params }) => ({
      status: 200,
      body: clone(this.#channelMessageOrThrow(params.channel_id as string, params.message_id as string).message),
    }));
    add('PATCH', '/channels/{channel_id}/messages/{message_id}', { major: ['channel_id'] }, ({ params, body, files }) => {
      const record = this.#channelMessageOrThrow(params.channel_id as string, params.message_id as string);
      if (record.message.author.id !== this.botUserId) throw Errors.cannotEditOthers();
      const payload = isRecord(body) ? body : {};
      checkMessagePayload(payload, { mode: 'edit', ephemeralAllowed: false, hasFiles: files.length > 0 });
      this.#editMessage(record, payload, files);
      return { status: 200, body: clone(record.message) };
    });
    add('DELETE', '/channels/{channel_id}/messages/{message_id}', { major: ['channel_id'] }, ({ params }) => {
      this.#channelMessageOrThrow(params.channel_id as string, params.message_id as string).deleted = true;
      return { status: 204 };
    });
    add('POST', '/channels/{channel_id}/messages/{message_id}/threads', { major: ['channel_id'] }, (ctx) => this.#startThread(ctx));
    add('POST', '/interactions/{interaction_id}/{interaction_token}/callback', { auth: false, major: ['interaction_id'] }, (ctx) =>
      this.#interactionCallback(ctx),
    );
    add('POST', '/webhooks/{webhook_id}/{webhook_token}', webhook, (ctx) => this.#executeWebhook(ctx));
    for (const target of ['@original', '{message_id}']) {
      const template = `/webhooks/{webhook_id}/{webhook_token}/messages/${target}`;
      add('GET', template, webhook, (ctx) => ({ status: 200, body: clone(this.#webhookMessage(ctx).message) }));
      add('PATCH', template, webhook, (ctx) => {
        const record = this.#webhookMessage(ctx);
        const payload = isRecord(ctx.body) ? ctx.body : {};
        checkMessagePayload(payload, { mode: 'edit', ephemeralAllowed: true, hasFiles: ctx.files.length > 0 });
        this.#editMessage(record, payload, ctx.files);
        const interaction = this.#tokens.get(ctx.params.webhook_token as string);
        if (interaction !== undefined && interaction.originalMessageId === record.message.id) interaction.loading = false;
        return { status: 200, body: clone(record.message) };
      });
      add('DELETE', template, webhook, (ctx) => {
        this.#webhookMessage(ctx).deleted = true;
        return { status: 204 };
      });
    }
    return routes;
  }

  /** `POST /users/@me/channels {recipient_id}`: the bot's DM channel with a member of a guild it shares (one per user). */
  #openDm(body: unknown): Json {
    const recipientId = isRecord(body) ? str(body.recipient_id) : undefined;
    if (recipientId === undefined) {
      const errs = new FormErrors();
      errs.add(['recipient_id'], 'BASE_TYPE_REQUIRED', 'This field is required');
      errs.throwIfAny();
    }
    const user = this.#users.get(recipientId as string);
    if (user === undefined || recipientId === this.botUserId) throw Errors.unknownUser();
    const existing = [...this.#channels.values()].find((c) => c.channel.type === CHANNEL_DM && (c.channel.recipients as Json[])[0]?.id === recipientId);
    if (existing !== undefined) return clone(existing.channel);
    const channel: Json = { id: snowflake(), type: CHANNEL_DM, last_message_id: null, flags: 0, recipients: [clone(user)] };
    this.#channels.set(channel.id as string, { channel, guildId: '', isThread: false, messageIds: [] });
    return clone(channel);
  }

  #createChannelMessage({ params, body, files }: RequestContext): Reply {
    const channel = this.#channelOrThrow(params.channel_id as string);
    if (channel.channel.type !== CHANNEL_TEXT && channel.channel.type !== CHANNEL_ANNOUNCEMENT && channel.channel.type !== CHANNEL_DM && !channel.isThread)
      throw Errors.wrongChannelType();
    // A member who turned off direct messages from server members: Discord answers 50007.
    const recipient = channel.channel.type === CHANNEL_DM ? String((channel.channel.recipients as Json[])[0]?.id) : undefined;
    if (recipient !== undefined && this.#dmsClosed.has(recipient)) throw new DiscordError(403, errorBody(50007, 'Cannot send messages to this user'));
    const payload = isRecord(body) ? body : {};
    checkMessagePayload(payload, { mode: 'create', ephemeralAllowed: false, hasFiles: files.length > 0 });
    const nonce = payload.nonce === undefined || payload.nonce === null ? undefined : String(payload.nonce);
    const nonceKey = `${channel.channel.id as string}:${nonce ?? ''}`;
    if (nonce !== undefined && payload.enforce_nonce === true) {
      const seen = this.#nonces.get(nonceKey);
      const earlier = seen === undefined ? undefined : this.#messages.get(seen.messageId);
      if (seen !== undefined && earlier !== undefined && !earlier.deleted && Date.now() - seen.at < 5 * 60 * 1000) {
        return { status: 200, body: clone(earlier.message) };
      }
    }
    let type = 0;
    let referenced: MessageRecord | undefined;
    if (isRecord(payload.message_reference)) {
      const ref = payload.message_reference;
      const refId = str(ref.message_id) ?? '';
      referenced = this.#messages.get(refId);
      const refChannel = str(ref.channel_id) ?? (channel.channel.id as string);
      if ((referenced === undefined || referenced.deleted || referenced.channelId !== refChannel) && ref.fail_if_not_exists !== false) {
        const errs = new FormErrors();
        errs.add(['message_reference'], 'MESSAGE_REFERENCE_UNKNOWN_MESSAGE', 'Unknown message');
        errs.throwIfAny();
      }
      type = referenced === undefined ? 0 : 19;
    }
    const message = this.#buildMessage(channel.channel.id as string, payload, files, { type, extraFlags: 0 });
    if (referenced !== undefined && type === 19) {
      message.message_reference = { type: 0, channel_id: referenced.channelId, message_id: referenced.message.id, guild_id: channel.guildId };
      message.referenced_message = clone(referenced.message);
    }
    this.#storeMessage(message, channel.channel.id as string, undefined, undefined);
    if (nonce !== undefined) this.#nonces.set(nonceKey, { messageId: message.id, at: Date.now() });
    return { status: 200, body: clone(message) };
  }

  /**
   * Get Channel Messages: up to `limit` (1-100, default 50) messages, newest first; with `after`, the
   * oldest ones newer than it, with `before`, the newest ones older than it. A nonce is not kept with
   * a message on Discord's side, so a message read back has none.
   */
  #listMessages(channelId: string, query: URLSearchParams): Json[] {
    const channel = this.#channelOrThrow(channelId);
    const limit = query.has('limit') ? Number(query.get('limit')) : 50;
    const errs = new FormErrors();
    checkIntRange(errs, ['limit'], limit, 1, 100);
    errs.throwIfAny();
    const id = (m: DiscordMessage) => BigInt(m.id);
    const all = this.channelMessages(channel.channel.id as string).sort((a, b) => (id(a) < id(b) ? -1 : 1));
    const after = query.get('after');
    const before = query.get('before');
    const page =
      after !== null ? all.filter((m) => id(m) > BigInt(after)).slice(0, limit) : all.filter((m) => before === null || id(m) < BigInt(before)).slice(-limit);
    return page.reverse().map(({ nonce: _nonce, ...message }) => message as Json);
  }

  #startThread({ params, body }: RequestContext): Reply {
    const channel = this.#channelOrThrow(params.channel_id as string);
    if (channel.isThread || (channel.channel.type !== CHANNEL_TEXT && channel.channel.type !== CHANNEL_ANNOUNCEMENT)) throw Errors.wrongChannelType();
    const source = this.#channelMessageOrThrow(params.channel_id as string, params.message_id as string);
    if (this.#channels.has(source.message.id)) throw Errors.threadExists();
    const payload = isRecord(body) ? body : {};
    const errs = new FormErrors();
    checkLength(errs, ['name'], payload.name, 1, 100, true);
    if (payload.auto_archive_duration !== undefined && !ARCHIVE_DURATIONS.has(Number(payload.auto_archive_duration))) {
      errs.add(['auto_archive_duration'], 'BASE_TYPE_CHOICES', 'Value must be one of {60, 1440, 4320, 10080}.');
    }
    checkIntRange(errs, ['rate_limit_per_user'], payload.rate_limit_per_user, 0, 21600);
    errs.throwIfAny();
    const now = iso();
    const thread: Json = {
      id: source.message.id,
      type: channel.channel.type === CHANNEL_ANNOUNCEMENT ? 10 : 11,
      last_message_id: null,
      flags: 0,
      guild_id: channel.guildId,
      name: payload.name,
      parent_id: channel.channel.id,
      rate_limit_per_user: typeof payload.rate_limit_per_user === 'number' ? payload.rate_limit_per_user : 0,
      owner_id: this.botUserId,
      thread_metadata: {
        archived: false,
        archive_timestamp: now,
        auto_archive_duration: typeof payload.auto_archive_duration === 'number' ? payload.auto_archive_duration : 4320,
        locked: false,
        create_timestamp: now,
      },
      message_count: 0,
      member_count: 1,
      total_message_sent: 0,
    };
    this.#channels.set(source.message.id, { channel: thread, guildId: channel.guildId, isThread: true, messageIds: [] });
    source.message.thread = clone(thread);
    source.message.flags |= Flags.HasThread;
    return { status: 201, body: clone(thread) };
  }

  #interactionCallback({ params, query, body, files }: RequestContext): Reply {
    const record = this.#interactions.get(params.interaction_id as string);
    const attempt: CallbackAttempt = {
      interactionId: params.interaction_id as string,
      via: 'callback',
      body: clone(body),
      status: 0,
      error: undefined,
      at: Date.now(),
    };
    this.callbacks.push(attempt);
    try {
      if (record === undefined || record.token !== params.interaction_token) throw Errors.unknownInteraction();
      const withResponse = query.get('with_response') === 'true';
      this.#applyInitialResponse(record, isRecord(body) ? body : {}, files, withResponse ? 200 : 204);
      attempt.status = withResponse ? 200 : 204;
      return withResponse ? { status: 200, body: this.#callbackResponse(record) } : { status: 204 };
    } catch (error) {
      if (error instanceof DiscordError) {
        attempt.status = error.status;
        attempt.error = error.body;
      }
      throw error;
    }
  }

  /** POST /webhooks/{app}/{token}: an interaction follow-up (always answered with the message). */
  #executeWebhook({ params, query, body, files }: RequestContext): Reply {
    const record = this.#interactionForWebhook(params);
    const payload = isRecord(body) ? body : {};
    checkMessagePayload(payload, { mode: 'create', ephemeralAllowed: true, hasFiles: files.length > 0 });
    const original = record.originalMessageId === undefined ? undefined : this.#messages.get(record.originalMessageId);
    if (record.loading && original !== undefined && !original.deleted) {
      // After a deferral the first follow-up replaces the "thinking..." message.
      const { flags: _flags, ...edit } = payload;
      this.#editMessage(original, edit, files);
      record.loading = false;
      return { status: 200, body: clone(original.message) };
    }
    const threadId = query.get('thread_id') ?? undefined;
    if (threadId !== undefined && this.#channels.get(threadId)?.isThread !== true) throw Errors.unknownChannel();
    const created = this.#createInteractionMessage(record, payload, files, false, threadId);
    return { status: 200, body: clone(created.message) };
  }

  #interactionForWebhook(params: Record<string, string>): InteractionRecord {
    if (params.webhook_id !== this.applicationId) throw Errors.unknownWebhook();
    const record = this.#tokens.get(params.webhook_token as string);
    if (record === undefined || record.tokenExpired || Date.now() - record.issuedAt > this.#tokenTtlMs) throw Errors.invalidWebhookToken();
    if (record.response === undefined) throw Errors.unknownWebhook();
    return record;
  }

  #webhookMessage({ params }: RequestContext): MessageRecord {
    const record = this.#interactionForWebhook(params);
    const messageId = params.message_id ?? record.originalMessageId;
    const message = messageId === undefined ? undefined : this.#messages.get(messageId);
    const belongs = message !== undefined && (record.messageIds.has(message.message.id) || message.message.id === record.originalMessageId);
    if (message === undefined || message.deleted || !belongs) throw Errors.unknownMessage();
    return message;
  }

  #overwriteCommands(target: Map<string, Json>, body: unknown, guildId: string | undefined): Json[] {
    const errs = new FormErrors();
    if (!Array.isArray(body)) {
      errs.add([], 'BASE_TYPE_ARRAY', 'Must be an array.');
      errs.throwIfAny();
    }
    const list = body as unknown[];
    if (list.length > 100) errs.add([], 'BASE_TYPE_MAX_LENGTH', 'Must be 100 or fewer in length.');
    const names = new Set<string>();
    list.forEach((command, i) => {
      if (!isRecord(command)) return errs.add([i], 'MODEL_TYPE_CONVERT', 'Only dictionaries may be used in a ModelType');
      const type = command.type ?? 1;
      const name = str(command.name);
      if (name === undefined) errs.add([i, 'name'], 'BASE_TYPE_REQUIRED', 'This field is required');
      else if (type === 1 && (!COMMAND_NAME.test(name) || name !== name.toLowerCase()))
        errs.add([i, 'name'], 'APPLICATION_COMMAND_INVALID_NAME', 'Command name is invalid');
      else if (names.has(`${String(type)}:${name}`)) errs.add([i, 'name'], 'APPLICATION_COMMANDS_DUPLICATE_NAME', 'Application command names must be unique');
      if (name !== undefined) names.add(`${String(type)}:${name}`);
      if (type === 1) checkLength(errs, [i, 'description'], command.description, 1, 100, true);
      else if (type === 2 || type === 3) {
        // User and message commands: a name of 1-32 characters (any case, spaces allowed), no description, no options.
        if (name !== undefined) checkLength(errs, [i, 'name'], name, 1, 32, true);
        if (typeof command.description === 'string' && command.description !== '')
          errs.add([i, 'description'], 'APPLICATION_COMMAND_CONTEXT_MENU_DESCRIPTION', 'Context menu commands cannot have description');
        if (Array.isArray(command.options) && command.options.length > 0)
          errs.add([i, 'options'], 'APPLICATION_COMMAND_OPTIONS_TYPE_INVALID', 'Context menu commands cannot have options');
      } else errs.add([i, 'type'], 'BASE_TYPE_CHOICES', `Value must be one of {1, 2, 3, 4}.`);
      if (Array.isArray(command.options) && command.options.length > 25) errs.add([i, 'options'], 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
      records(command.options).forEach((option, j) => {
        checkLength(errs, [i, 'options', j, 'name'], option.name, 1, 32, true);
        checkLength(errs, [i, 'options', j, 'description'], option.description, 1, 100, true);
        if (typeof option.type !== 'number' || !Number.isInteger(option.type) || option.type < 1 || option.type > 11)
          errs.add([i, 'options', j, 'type'], 'BASE_TYPE_CHOICES', 'Value must be one of {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}.');
      });
    });
    errs.throwIfAny();
    const previous = new Map(target);
    target.clear();
    for (const command of list as Json[]) {
      const name = command.name as string;
      const type = command.type ?? 1;
      const existing = previous.get(type === 1 ? name : `${String(type)}:${name}`);
      const stored: Json = {
        id: str(existing?.id) ?? snowflake(),
        application_id: this.applicationId,
        version: snowflake(),
        default_member_permissions: command.default_member_permissions ?? null,
        type,
        name,
        name_localizations: command.name_localizations ?? null,
        description: command.description ?? '',
        description_localizations: command.description_localizations ?? null,
        dm_permission: command.dm_permission ?? true,
        contexts: command.contexts ?? null,
        integration_types: command.integration_types ?? [0],
        nsfw: command.nsfw ?? false,
      };
      if (guildId !== undefined) stored.guild_id = guildId;
      if (Array.isArray(command.options)) stored.options = clone(command.options);
      // Names are unique per type: a slash command and a message command may share one.
      target.set(type === 1 ? name : `${String(type)}:${name}`, stored);
    }
    return clone([...target.values()]);
  }

  // -------------------------------------------------------------------------------------------
  // Objects as Discord renders them
  // -------------------------------------------------------------------------------------------

  #userObject(id: string, username: string, globalName: string | null, bot: boolean): Json {
    const user: Json = {
      id,
      username,
      avatar: null,
      discriminator: '0',
      public_flags: 0,
      flags: 0,
      banner: null,
      accent_color: null,
      global_name: globalName,
      avatar_decoration_data: null,
      collectibles: null,
      primary_guild: null,
    };
    if (bot) user.bot = true;
    return user;
  }

  #botUserPii(): Json {
    return { ...clone(this.#users.get(this.botUserId) as Json), mfa_enabled: false, locale: 'en-US', premium_type: 0, email: null, verified: true };
  }

  #applicationObject(): Json {
    return {
      id: this.applicationId,
      name: this.botUsername,
      icon: null,
      description: '',
      bot_public: false,
      bot_require_code_grant: false,
      verify_key: this.publicKeyHex,
      flags: 0,
      bot: this.#botUserPii(),
      interactions_endpoint_url: this.#interactionsUrl ?? null,
    };
  }

  #roleObject(role: RoleFixture, position: number): Json {
    return {
      id: role.id,
      name: role.name,
      description: null,
      color: 0,
      colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
      hoist: false,
      icon: null,
      unicode_emoji: null,
      position,
      permissions: role.permissions ?? '0',
      managed: false,
      mentionable: false,
      flags: 0,
    };
  }

  #memberObject(guildId: string, userId: string, withPermissions: boolean): Json & { permissions?: string } {
    const guild = this.#requireGuild(guildId);
    const member = guild.members.get(userId);
    if (member === undefined) throw Errors.unknownMember();
    const object: Json & { permissions?: string } = {
      avatar: null,
      banner: null,
      communication_disabled_until: null,
      deaf: false,
      flags: 0,
      joined_at: member.joinedAt,
      mute: false,
      nick: member.nick,
      pending: false,
      premium_since: null,
      roles: [...member.roles],
      unusual_dm_activity_until: null,
      user: clone(this.#users.get(userId)),
    };
    if (withPermissions) object.permissions = this.#permissions(guild, userId, member.roles);
    return object;
  }

  #permissions(guild: GuildRecord, userId: string, roles: string[]): string {
    if (guild.fixture.ownerId === userId) return ALL_PERMISSIONS;
    let bits = BigInt(String(guild.roles.get(guild.fixture.id)?.permissions ?? '0'));
    for (const id of roles) bits |= BigInt(String(guild.roles.get(id)?.permissions ?? '0'));
    return (bits & ADMINISTRATOR) !== 0n ? ALL_PERMISSIONS : bits.toString();
  }

  #channelObject(channelId: string): Json {
    return clone(this.#channelOrThrow(channelId).channel);
  }

  #guildObject(guildId: string): Json {
    const guild = this.#guildOrThrow(guildId);
    return {
      id: guildId,
      name: guild.fixture.name,
      icon: null,
      description: null,
      splash: null,
      banner: null,
      owner_id: guild.fixture.ownerId ?? this.botUserId,
      region: 'deprecated',
      afk_channel_id: null,
      afk_timeout: 300,
      verification_level: 0,
      default_message_notifications: 0,
      explicit_content_filter: 0,
      roles: clone([...guild.roles.values()]),
      emojis: [],
      stickers: [],
      features: [],
      mfa_level: 0,
      system_channel_id: null,
      system_channel_flags: 0,
      rules_channel_id: null,
      vanity_url_code: null,
      premium_tier: 0,
      premium_subscription_count: 0,
      preferred_locale: 'en-US',
      public_updates_channel_id: null,
      nsfw_level: 0,
      premium_progress_bar_enabled: false,
    };
  }

  #readyData(): Json {
    return {
      v: 10,
      user_settings: {},
      user: { ...clone(this.#users.get(this.botUserId) as Json), verified: true, mfa_enabled: false, email: null },
      session_type: 'normal',
      relationships: [],
      private_channels: [],
      presences: [],
      guilds: [],
      guild_join_requests: [],
      geo_ordered_rtc_regions: ['emulator'],
      auth: {},
      application: { id: this.applicationId, flags: 0 },
      _trace: ['["gateway-emulator",{"micros":0}]'],
    };
  }

  // -------------------------------------------------------------------------------------------
  // Lookups
  // -------------------------------------------------------------------------------------------

  #requireGuild(guildId: string): GuildRecord {
    const guild = this.#guilds.get(guildId);
    if (guild === undefined) throw new Error(`Discord emulator: unknown guild ${guildId}; call addGuild() first`);
    return guild;
  }

  #guildOrThrow(guildId: string): GuildRecord {
    const guild = this.#guilds.get(guildId);
    if (guild === undefined) throw Errors.unknownGuild();
    return guild;
  }

  #channelOrThrow(channelId: string): ChannelRecord {
    const channel = this.#channels.get(channelId);
    if (channel === undefined) throw Errors.unknownChannel();
    return channel;
  }

  #channelMessageOrThrow(channelId: string, messageId: string): MessageRecord {
    this.#channelOrThrow(channelId);
    const record = this.#messages.get(messageId);
    if (record === undefined || record.deleted || record.channelId !== channelId || record.ephemeralFor !== undefined) throw Errors.unknownMessage();
    return record;
  }

  #requireApplication(applicationId: string | undefined): void {
    if (applicationId !== this.applicationId)
      throw new DiscordError(403, errorBody(20012, 'You are not authorized to perform this action on this application'));
  }
}

const CONTENT_TYPES: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  mp4: 'video/mp4',
  txt: 'text/plain; charset=utf-8',
};

/** What Discord's client reports for a file by its extension. */
function contentTypeOf(filename: string): string {
  return CONTENT_TYPES[/\.([a-z0-9]+)$/i.exec(filename)?.[1]?.toLowerCase() ?? ''] ?? 'application/octet-stream';
}

/** Discord gives images their pixel size (`width`, `height`); other files have none. */
async function imageSize(bytes: Buffer): Promise<{ width?: number; height?: number }> {
  try {
    const meta = await sharp(bytes).metadata();
    return meta.width && meta.height ? { width: meta.width, height: meta.pageHeight ?? meta.height } : {};
  } catch {
    return {};
  }
}
