/**
 * Slack emulator: a fake Slack on 127.0.0.1 that the real @slack/bolt, @slack/web-api and
 * @slack/socket-mode talk to. Wire facts: Slack's docs (request signing:
 * https://api.slack.com/authentication/verifying-requests-from-slack; slash commands and interactivity:
 * https://api.slack.com/interactivity; Socket Mode: https://api.slack.com/apis/socket-mode) and the
 * Web API spec (github.com/slackapi/slack-api-specs).
 *
 * Two directions, like the real thing:
 * - Slack -> app: signed form POSTs to the app's `/slack/events` (slash commands, block_actions,
 *   view_submission), or Socket Mode envelopes after `setTransport('socket')`.
 * - app -> Slack: the Web API under `/api/<method>`, response URLs, file upload URLs, and the
 *   Socket Mode WebSocket (see slack-socket.ts).
 *
 * Everything the app did is kept as a person in Slack would see it (channel messages, threads,
 * ephemerals, open modals) plus the raw request log, so tests assert on what reached "Slack".
 */
import { randomInt } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { SlackSocketHub, type EnvelopeType, type SocketDelivery } from './slack-socket.ts';
import { OAuthError, SlackOAuth, type IssuedTokens } from './slack-oauth.ts';
import { parseAppBody, postRaw } from './common.ts';
import type {
  AckRejection,
  AppResponse,
  Block,
  BotProfile,
  ChannelFixture,
  ClickButtonArgs,
  Delivery,
  DeliveryContext,
  EnterpriseFixture,
  EphemeralMessage,
  Fault,
  Json,
  ResponseUrlPost,
  RetryOptions,
  SlackMessage,
  SlackView,
  StartOptions,
  StateValueInput,
  TeamFixture,
  UserFixture,
  UserGroupFixture,
  WebApiCall,
} from './slack/types.ts';
import {
  ApiError,
  BOT_SCOPES,
  RESPONSE_URL_MAX_USES,
  RESPONSE_URL_TTL_MS,
  VIEW_MAX_BYTES,
  checkedMetadata,
  clone,
  hex,
  isRecord,
  readBody,
  requireArg,
  sendJson,
  slackId,
  slackSignature,
  sleep,
  str,
  timeZoneInfo,
  truthy,
  uploadedBytes,
  withoutMetadata,
} from './slack/helpers.ts';
import { basicAuth, bearerToken, parseApiRequest } from './slack/request-parsing.ts';
import { blockProblems, findElement, viewProblems, withGeneratedIds } from './slack/block-kit.ts';
import { buildStateValues } from './slack/view-state.ts';
import { UserFiles } from './slack/user-files.ts';

export type {
  Json,
  Block,
  PlainText,
  SelectOption,
  OptionInput,
  StateValueInput,
  StateValues,
  BotProfile,
  SlackMessage,
  EphemeralMessage,
  SlackView,
  UserFixture,
  ChannelFixture,
  TeamFixture,
  EnterpriseFixture,
  UserGroupFixture,
  WebApiCall,
  Fault,
  AppResponse,
  RetryOptions,
  Delivery,
  ResponseUrlPost,
  AckRejection,
  StartOptions,
  ClickButtonArgs,
} from './slack/types.ts';
export { slackSignature } from './slack/helpers.ts';

// ---------------------------------------------------------------------------------------------
// The emulator
// ---------------------------------------------------------------------------------------------

/** A token Slack issued: to one team, or (org-wide install: teamId unset) to an organization. */
interface TokenGrant {
  teamId: string | undefined;
  enterpriseId: string | undefined;
  kind: 'bot' | 'user';
  revoked: boolean;
}

type EventTarget = { teamId: string | undefined; enterpriseId: string | undefined; orgWide: boolean };

interface ChannelRecord {
  fixture: Required<ChannelFixture>;
  isIm: boolean;
  created: number;
  messages: SlackMessage[];
}

interface TriggerRecord {
  userId: string;
  issuedAt: number;
  used: boolean;
}

interface ViewRecord {
  view: SlackView;
  userId: string;
  open: boolean;
}

interface ResponseUrlRecord {
  kind: 'command' | 'action';
  userId: string;
  channelId: string;
  messageTs: string | undefined;
  issuedAt: number;
  uses: number;
}

type MethodHandler = (args: Json) => Json;

export class SlackEmulator {
  readonly signingSecret: string;
  readonly teamId: string;
  readonly teamDomain = 'greenlight-emulator';
  readonly teamName = 'Greenlight Emulator';
  readonly appId = 'A0EMUAPP01';
  readonly botId = 'B0EMUBOT01';
  readonly botUserId = 'U0EMUBOT01';
  /** Deprecated verification token Slack still puts in every payload. */
  readonly verificationToken = hex(12);
  // Built at run time so no real-looking token sits in the source.
  readonly botToken = ['xoxb', String(randomInt(1e9, 1e10)), String(randomInt(1e9, 1e10)), hex(12)].join('-');
  readonly appToken = ['xapp', '1', 'A0EMUAPP01', String(randomInt(1e9, 1e10)), hex(32)].join('-');

  /** Every Web API call, in arrival order. */
  readonly requests: WebApiCall[] = [];
  /** Every delivery to the app (commands, clicks, submissions, raw), in order. */
  readonly deliveries: Delivery[] = [];
  /** Every POST the app made to a response_url. */
  readonly responses: ResponseUrlPost[] = [];
  /** Acks the emulator did not apply because Slack would have rejected them. */
  readonly ackRejections: AckRejection[] = [];
  /** Files uploaded through files.getUploadURLExternal + the upload URL. */
  readonly files = new Map<string, { name: string; length: number; bytes: Buffer; title?: string; completed: boolean }>();

  #latencyMs: number;
  readonly #triggerTtlMs: number;
  #appUrl: string | undefined;
  #transport: 'http' | 'socket' = 'http';
  #lastTsMicros = 0;
  readonly #revoked = new Set<'bot' | 'app'>();
  readonly #faultQueues = new Map<string, Array<Fault & { times: number }>>();
  readonly #users = new Map<string, UserFixture & { updated: number }>();
  readonly #groups = new Map<string, UserGroupFixture>();
  readonly #channels = new Map<string, ChannelRecord>();
  readonly #ephemerals: EphemeralMessage[] = [];
  readonly #triggers = new Map<string, TriggerRecord>();
  readonly #views = new Map<string, ViewRecord>();
  readonly #modalStacks = new Map<string, string[]>();
  readonly #lastModal = new Map<string, string>();
  readonly #homeViews = new Map<string, string>();
  readonly #responseUrls = new Map<string, ResponseUrlRecord>();
  readonly #methods: Record<string, MethodHandler>;
  readonly #teams = new Map<string, TeamFixture & { domain: string }>();
  readonly #enterprises = new Map<string, EnterpriseFixture>();
  /**
   * Every token Slack issued: its team (or, for an org-wide install, its organization) and kind. The
   * first team's bot token is installed from the start.
   */
  readonly #tokens = new Map<string, TokenGrant>();
  /** Per organization, the workspaces its admins added the org-wide app to: its token works there. */
  readonly #orgTeams = new Map<string, Set<string>>();
  /** The team of the token of the Web API call being answered (handlers run synchronously); unset for an org-wide token. */
  #callTeamId: string | undefined;
  /** The organization of the org-wide token of the call being answered. */
  #callEnterpriseId: string | undefined;
  /** An org-wide token's call acts in the workspace its arguments (channel, user, trigger) belong to. */
  #callActingTeamId: string | undefined;
  /** The OAuth v2 install flow: consent page and oauth.v2.access. */
  readonly oauth: SlackOAuth;
  /** Files users share (file_input, messages), served only with a bot token of their team. */
  readonly userFiles = new UserFiles(
    () => this.origin,
    (token) => {
      const grant = this.#tokens.get(token);
      if (grant === undefined || grant.kind !== 'bot' || grant.revoked || (token === this.botToken && this.#revoked.has('bot'))) return undefined;
      return grant.teamId;
    },
  );
  readonly #server: Server;
  readonly #socketHub: SlackSocketHub;
  #port = 0;
  #stopped = false;

  private constructor(options: StartOptions) {
    this.signingSecret = options.signingSecret ?? hex(16);
    this.teamId = options.teamId ?? 'T0EMULATOR';
    this.#latencyMs = options.latencyMs ?? 0;
    this.#triggerTtlMs = options.triggerTtlMs ?? 3000;
    this.#socketHub = new SlackSocketHub({
      appId: this.appId,
      pingIntervalMs: options.socketPingIntervalMs ?? 10_000,
      ackTimeoutMs: options.ackTimeoutMs ?? 3000,
    });
    this.#methods = this.#methodTable();
    this.#callTeamId = this.teamId;
    this.addTeam({ id: this.teamId, name: this.teamName, domain: this.teamDomain });
    this.#tokens.set(this.botToken, { teamId: this.teamId, enterpriseId: undefined, kind: 'bot', revoked: false });
    this.oauth = new SlackOAuth(this.appId, (grant) => this.#install(grant));
    this.#server = createServer((req, res) => {
      this.#route(req, res).catch((error: unknown) => {
        if (!res.headersSent) sendJson(res, 500, { ok: false, error: 'fatal_error', detail: String(error) });
        else res.destroy();
      });
    });
    this.#server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.#upgrade(req, socket, head));
    this.addUser({ id: this.botUserId, name: 'greenlight', tz: 'America/Los_Angeles', isBot: true, realName: 'Greenlight' });
  }

  static async start(options: StartOptions = {}): Promise<SlackEmulator> {
    const emulator = new SlackEmulator(options);
    await new Promise<void>((resolve, reject) => {
      emulator.#server.once('error', reject);
      emulator.#server.listen(0, '127.0.0.1', () => resolve());
    });
    emulator.#port = (emulator.#server.address() as AddressInfo).port;
    return emulator;
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    await this.#socketHub.close();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  get origin(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  /** Pass as Bolt's `clientOptions.slackApiUrl`. */
  get apiUrl(): string {
    return `${this.origin}/api/`;
  }

  // -------------------------------------------------------------------------------------------
  // Fixtures
  // -------------------------------------------------------------------------------------------

  addTeam(team: TeamFixture): void {
    if (team.enterpriseId !== undefined && !this.#enterprises.has(team.enterpriseId))
      throw new Error(`Slack emulator: unknown organization ${team.enterpriseId}; call addEnterprise() first`);
    this.#teams.set(team.id, { domain: team.name.toLowerCase().replace(/[^a-z0-9]+/g, '-'), ...team });
  }

  addEnterprise(enterprise: EnterpriseFixture): void {
    this.#enterprises.set(enterprise.id, { ...enterprise });
  }

  /**
   * An org admin adds the org-wide app to some of the organization's workspaces (Slack adds it to none
   * at install): its one token then works there, and their people's requests say is_enterprise_install.
   */
  addOrgAppToTeams(enterpriseId: string, teamIds: string[]): void {
    for (const teamId of teamIds) {
      if (this.#teams.get(teamId)?.enterpriseId !== enterpriseId) throw new Error(`Slack emulator: team ${teamId} is not in organization ${enterpriseId}`);
    }
    const added = this.#orgTeams.get(enterpriseId) ?? new Set<string>();
    for (const teamId of teamIds) added.add(teamId);
    this.#orgTeams.set(enterpriseId, added);
  }

  addUser(user: UserFixture): void {
    timeZoneInfo(user.tz); // fail here on an unknown zone, not later inside users.info
    this.#users.set(user.id, { ...user, updated: Math.floor(Date.now() / 1000) });
  }

  addUserGroup(group: UserGroupFixture): void {
    this.#groups.set(group.id, { ...group, users: [...group.users] });
  }

  addChannel(channel: ChannelFixture): void {
    const existing = this.#channels.get(channel.id);
    const fixture = { isPrivate: false, isArchived: false, isMember: true, teamId: this.teamId, ...channel };
    if (existing !== undefined) existing.fixture = fixture;
    else this.#channels.set(channel.id, { fixture, isIm: false, created: Math.floor(Date.now() / 1000), messages: [] });
  }

  // -------------------------------------------------------------------------------------------
  // Switches
  // -------------------------------------------------------------------------------------------

  setAppUrl(url: string): void {
    this.#appUrl = url;
  }

  setTransport(transport: 'http' | 'socket'): void {
    this.#transport = transport;
  }

  setLatency(ms: number): void {
    this.#latencyMs = ms;
  }

  /** Revoked tokens answer `token_revoked` on every call. */
  setTokenRevoked(revoked: boolean, which: 'bot' | 'app' = 'bot'): void {
    if (revoked) this.#revoked.add(which);
    else this.#revoked.delete(which);
  }

  /** Scripts the next call(s) of `method` (or `'*'` for any method) to fail. */
  failNext(method: string, fault: Fault = {}): void {
    const queue = this.#faultQueues.get(method) ?? [];
    queue.push({ ...fault, times: fault.times ?? 1 });
    this.#faultQueues.set(method, queue);
  }

  /** Socket Mode: ask connected clients to reconnect (`{type:"disconnect"}`). */
  requestSocketReconnect(reason?: string): void {
    this.#socketHub.requestReconnect(reason);
  }

  /** Socket Mode: drop every connection without a close handshake. */
  dropSockets(): void {
    this.#socketHub.terminateAll();
  }

  get socketConnectionCount(): number {
    return this.#socketHub.connectionCount;
  }

  /** Socket Mode envelopes sent, client messages received, pongs to our pings. */
  get socketLog(): { sent: readonly SocketDelivery[]; received: readonly unknown[]; pongs: number } {
    return { sent: this.#socketHub.sent, received: this.#socketHub.received, pongs: this.#socketHub.pongCount };
  }

  // -------------------------------------------------------------------------------------------
  // State, read as a person in Slack would see it
  // -------------------------------------------------------------------------------------------

  /** Top-level messages of a channel (latest version of each), oldest first. */
  channelMessages(channelId: string): SlackMessage[] {
    const messages = this.#channels.get(channelId)?.messages ?? [];
    return clone(messages.filter((m) => m.thread_ts === undefined || m.thread_ts === m.ts || m.subtype === 'thread_broadcast'));
  }

  /** Replies in a thread (without the parent), oldest first. */
  threadReplies(channelId: string, threadTs: string): SlackMessage[] {
    const messages = this.#channels.get(channelId)?.messages ?? [];
    return clone(messages.filter((m) => m.thread_ts === threadTs && m.ts !== threadTs));
  }

  /** Any message (top-level or reply) by ts. */
  message(channelId: string, ts: string): SlackMessage | undefined {
    const found = this.#findMessage(channelId, ts);
    return found === undefined ? undefined : clone(found);
  }

  ephemerals(userId: string): EphemeralMessage[] {
    return clone(this.#ephemerals.filter((e) => e.user === userId));
  }

  /** Every view ever opened, pushed, updated or published, by id (latest version). */
  get views(): Map<string, SlackView> {
    return new Map([...this.#views].map(([id, record]) => [id, clone(record.view)]));
  }

  view(viewId: string): SlackView | undefined {
    const record = this.#views.get(viewId);
    return record === undefined ? undefined : clone(record.view);
  }

  /** The modal the user last saw opened, pushed or updated (open or not). */
  lastViewFor(userId: string): SlackView | undefined {
    const id = this.#lastModal.get(userId);
    return id === undefined ? undefined : this.view(id);
  }

  /** The user's open modal stack, root first; empty when no modal is open. */
  openModals(userId: string): SlackView[] {
    return (this.#modalStacks.get(userId) ?? []).map((id) => this.view(id)).filter((v): v is SlackView => v !== undefined);
  }

  homeView(userId: string): SlackView | undefined {
    const id = this.#homeViews.get(userId);
    return id === undefined ? undefined : this.view(id);
  }

  /** Web API calls of one method, in order. */
  callsTo(method: string): WebApiCall[] {
    return this.requests.filter((r) => r.method === method);
  }

  servedMethods(): string[] {
    return Object.keys(this.#methods);
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
      if (Date.now() >= deadline) throw new Error(`Slack emulator: timed out after ${timeoutMs} ms waiting for ${what}`);
      await sleep(intervalMs);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Slack -> app: what users do
  // -------------------------------------------------------------------------------------------

  async slashCommand(args: { command: string; text: string; userId: string; channelId: string } & RetryOptions): Promise<AppResponse> {
    const user = this.#requireUser(args.userId);
    const channel = this.#channelForUi(args.channelId);
    const responseUrl = this.#issueResponseUrl('command', args.userId, args.channelId, undefined);
    const payload: Record<string, string> = {
      token: this.verificationToken,
      team_id: this.#teamRef(user.id).id,
      team_domain: this.#teamRef(user.id).domain,
      channel_id: args.channelId,
      channel_name: channel.isIm ? 'directmessage' : channel.fixture.name,
      user_id: user.id,
      user_name: user.name,
      command: args.command,
      text: args.text,
      api_app_id: this.appId,
      ...this.#commandOrgFields(user.id),
      response_url: responseUrl,
      trigger_id: this.#issueTrigger(user.id),
    };
    const context: DeliveryContext = { kind: 'command', userId: user.id, channelId: args.channelId, responseUrl };
    return this.#deliver('slash_commands', payload, context, args);
  }

  async clickButton(args: ClickButtonArgs & RetryOptions): Promise<AppResponse> {
    const user = this.#requireUser(args.userId);
    const payload = args.viewId !== undefined ? this.#viewClickPayload(args) : this.#messageClickPayload(args);
    payload.user = this.#userRef(user.id);
    return this.#deliver('interactive', payload, { kind: 'action' }, args);
  }

  /**
   * A user picks an option of a `static_select` or `overflow` menu in a message's actions block:
   * a `block_actions` payload with the chosen option, as Slack sends it the moment the menu closes.
   */
  async chooseOption(args: { userId: string; actionId: string; channelId: string; messageTs: string; value: string } & RetryOptions): Promise<AppResponse> {
    const user = this.#requireUser(args.userId);
    const payload = this.#messageClickPayload({ ...args, kind: 'menu' });
    payload.user = this.#userRef(user.id);
    return this.#deliver('interactive', payload, { kind: 'action' }, args);
  }

  async submitView(args: { userId: string; viewId: string; values?: Record<string, Record<string, StateValueInput>> } & RetryOptions): Promise<AppResponse> {
    this.#requireUser(args.userId);
    const record = this.#views.get(args.viewId);
    if (record === undefined || !record.open || record.userId !== args.userId) {
      throw new Error(`Slack emulator: view ${args.viewId} is not open for ${args.userId}`);
    }
    const view = { ...clone(record.view), state: { values: buildStateValues(record.view.blocks, args.values ?? {}) } };
    const payload: Json = {
      type: 'view_submission',
      team: this.#teamRef(args.userId),
      user: this.#userRef(args.userId),
      api_app_id: this.appId,
      token: this.verificationToken,
      trigger_id: this.#issueTrigger(args.userId),
      view,
      response_urls: [],
      ...this.#interactionOrgFields(args.userId),
    };
    return this.#deliver('interactive', payload, { kind: 'view', userId: args.userId, viewId: args.viewId }, args);
  }

  /**
   * A user picks a file to share (in a modal's file_input, or with a message): Slack stores it in the
   * user's team and hands out its file object; the bytes are at its url_private_download.
   */
  shareFile(args: { userId: string; name: string; bytes: Buffer; mimetype: string; width?: number; height?: number }): Json {
    const user = this.#requireUser(args.userId);
    return this.userFiles.add({ ...args, userId: user.id, teamId: this.#teamOfUser(user.id) });
  }

  /** A person's own message in a channel (text and shared files), as a message shortcut can target. */
  postUserMessage(args: { userId: string; channelId: string; text: string; files?: Json[] }): SlackMessage {
    const user = this.#requireUser(args.userId);
    const channel = this.#channelForUi(args.channelId);
    const message: SlackMessage = {
      type: 'message',
      ts: this.#nextTs(),
      text: args.text,
      user: user.id,
      team: this.#teamOfUser(user.id),
    } as SlackMessage;
    if (args.files && args.files.length > 0) {
      message.files = args.files;
      message.upload = true;
    }
    channel.messages.push(message);
    return message;
  }

  /**
   * A message shortcut (the message's ⋮ menu): a `message_action` payload on the interactivity URL
   * with the whole message, its channel, a response_url and a trigger_id (PLATFORMS-MEDIA.md §1.2).
   */
  async messageShortcut(args: { userId: string; callbackId: string; channelId: string; messageTs: string } & RetryOptions): Promise<AppResponse> {
    const user = this.#requireUser(args.userId);
    const channel = this.#channelForUi(args.channelId);
    const message = this.#findMessage(args.channelId, args.messageTs);
    if (message === undefined) throw new Error(`Slack emulator: no message ${args.messageTs} in ${args.channelId}`);
    const payload: Json = {
      type: 'message_action',
      token: this.verificationToken,
      action_ts: `${Date.now() / 1000}`,
      team: this.#teamRef(user.id),
      user: this.#userRef(user.id),
      channel: { id: args.channelId, name: channel.isIm ? 'directmessage' : channel.fixture.name },
      is_enterprise_install: false,
      callback_id: args.callbackId,
      trigger_id: this.#issueTrigger(user.id),
      response_url: this.#issueResponseUrl('action', user.id, args.channelId, args.messageTs),
      message_ts: args.messageTs,
      message: clone(message),
      ...this.#interactionOrgFields(user.id),
    };
    return this.#deliver('interactive', payload, { kind: 'action' }, args);
  }

  /**
   * A hand-made request to the app's URL for abuse tests: signed correctly over `body` unless
   * `signature`/`timestamp` say otherwise (`null` leaves the header out).
   */
  async sendRaw(args: {
    body: string;
    contentType?: string;
    timestamp?: number | string | null;
    signature?: string | null;
    headers?: Record<string, string>;
  }): Promise<AppResponse> {
    const timestamp = args.timestamp === undefined ? Math.floor(Date.now() / 1000) : args.timestamp;
    const headers: Record<string, string> = { 'content-type': args.contentType ?? 'application/x-www-form-urlencoded' };
    if (timestamp !== null) headers['x-slack-request-timestamp'] = String(timestamp);
    const signature = args.signature === undefined ? slackSignature(this.signingSecret, timestamp ?? '', args.body) : args.signature;
    if (signature !== null) headers['x-slack-signature'] = signature;
    Object.assign(headers, args.headers);
    const delivery = this.#newDelivery('raw', 'http', undefined, { kind: 'raw' });
    delivery.rawBody = args.body;
    delivery.headers = headers;
    return this.#sendHttp(delivery);
  }

  /**
   * The Events API's `app_home_opened`, as Slack POSTs it: a JSON `event_callback`, signed like any
   * other request (HTTP transport).
   */
  async appHomeOpened(userId: string, retry: RetryOptions = {}): Promise<AppResponse> {
    this.#requireUser(userId);
    const now = Date.now() / 1000;
    return this.#sendEvent(
      this.#eventTarget(this.#teamOfUser(userId)),
      { type: 'app_home_opened', user: userId, channel: `D${userId.slice(1)}`, tab: 'home', event_ts: now.toFixed(6) },
      retry,
    );
  }

  /**
   * A workspace removes the app: its tokens stop working at once, and Slack sends `app_uninstalled`,
   * then `tokens_revoked` naming the bot (Events API, HTTP transport). Given an organization's id
   * (`E…`), the org-wide install goes: its token stops working in every workspace, and the events say
   * `enterprise_id` with `team_id: null`, their authorization `is_enterprise_install: true`.
   */
  async uninstallApp(teamOrEnterpriseId: string): Promise<AppResponse[]> {
    const orgWide = this.#enterprises.has(teamOrEnterpriseId);
    for (const grant of this.#tokens.values()) {
      if (orgWide ? grant.teamId === undefined && grant.enterpriseId === teamOrEnterpriseId : grant.teamId === teamOrEnterpriseId) grant.revoked = true;
    }
    if (orgWide) this.#orgTeams.delete(teamOrEnterpriseId);
    const target: EventTarget = orgWide ? { teamId: undefined, enterpriseId: teamOrEnterpriseId, orgWide: true } : this.#eventTarget(teamOrEnterpriseId);
    const now = (Date.now() / 1000).toFixed(6);
    return [
      await this.#sendEvent(target, { type: 'app_uninstalled', event_ts: now }),
      await this.#sendEvent(target, { type: 'tokens_revoked', tokens: { bot: [this.botUserId] }, event_ts: now }),
    ];
  }

  /** Whom a team's event is for: the team, in its organization, through its own or the org-wide install. */
  #eventTarget(teamId: string): EventTarget {
    const { org, orgWide } = this.#orgOf(teamId);
    return { teamId, enterpriseId: org?.id, orgWide };
  }

  /** An Events API `event_callback`, signed like any other request. */
  async #sendEvent(target: EventTarget, event: Json, retry: RetryOptions = {}): Promise<AppResponse> {
    const now = Date.now() / 1000;
    const body = JSON.stringify({
      token: this.verificationToken,
      team_id: target.teamId ?? null,
      ...(target.enterpriseId !== undefined ? { enterprise_id: target.enterpriseId } : {}),
      api_app_id: this.appId,
      event,
      type: 'event_callback',
      event_id: `Ev${Math.floor(now * 1000)
        .toString(36)
        .toUpperCase()}${hex(2).toUpperCase()}`,
      event_time: Math.floor(now),
      authorizations: [
        {
          enterprise_id: target.enterpriseId ?? null,
          team_id: target.teamId ?? null,
          user_id: this.botUserId,
          is_bot: true,
          is_enterprise_install: target.orgWide,
        },
      ],
      is_ext_shared_channel: false,
    });
    const headers: Record<string, string> = {};
    if (retry.retryNum !== undefined) {
      headers['x-slack-retry-num'] = String(retry.retryNum);
      headers['x-slack-retry-reason'] = retry.retryReason ?? 'http_timeout';
    }
    return this.sendRaw({ body, contentType: 'application/json', headers });
  }

  /**
   * Sends an earlier delivery again with the same payload (same trigger_id and response_url),
   * re-signed with a fresh timestamp as Slack does, optionally marked as a retry.
   */
  async redeliver(deliveryId: number, retry: RetryOptions = {}): Promise<AppResponse> {
    const original = this.deliveries.find((d) => d.id === deliveryId);
    if (original === undefined || original.type === 'raw') throw new Error(`Slack emulator: no delivery ${deliveryId} to resend`);
    if (original.payload === undefined) throw new Error(`Slack emulator: delivery ${deliveryId} has no payload`);
    return this.#deliver(original.type, original.payload, original.context, retry);
  }

  /** A trigger_id as Slack issues with every interaction, for tests that call views.open directly. */
  issueTrigger(userId: string): string {
    return this.#issueTrigger(userId);
  }

  // -------------------------------------------------------------------------------------------
  // Delivery plumbing
  // -------------------------------------------------------------------------------------------

  #newDelivery(type: Delivery['type'], transport: Delivery['transport'], payload: Json | undefined, context: DeliveryContext): Delivery {
    const delivery: Delivery = { id: this.deliveries.length + 1, type, transport, payload, rawBody: undefined, headers: {}, context };
    this.deliveries.push(delivery);
    return delivery;
  }

  async #deliver(type: EnvelopeType, payload: Json, context: DeliveryContext, retry: RetryOptions): Promise<AppResponse> {
    const delivery = this.#newDelivery(type, this.#transport, payload, context);
    const response = this.#transport === 'socket' ? await this.#sendSocket(delivery, retry) : await this.#sendHttp(delivery, retry);
    this.#applyAck(delivery, response);
    return response;
  }

  async #sendHttp(delivery: Delivery, retry: RetryOptions = {}): Promise<AppResponse> {
    if (this.#appUrl === undefined) throw new Error("Slack emulator: call setAppUrl() with the app's /slack/events URL first");
    if (delivery.rawBody === undefined) {
      delivery.rawBody =
        delivery.type === 'slash_commands'
          ? new URLSearchParams(delivery.payload as Record<string, string>).toString()
          : new URLSearchParams({ payload: JSON.stringify(delivery.payload) }).toString();
    }
    if (delivery.type !== 'raw') delivery.headers = this.#signedHeaders(delivery.rawBody, retry);
    const started = performance.now();
    const reply = await postRaw(this.#appUrl, delivery.rawBody, delivery.headers);
    const body = parseAppBody(reply.headers['content-type'], reply.text);
    delivery.response = { status: reply.status, body, elapsedMs: performance.now() - started, deliveryId: delivery.id };
    return delivery.response;
  }

  #signedHeaders(body: string, retry: RetryOptions): Record<string, string> {
    const timestamp = Math.floor(Date.now() / 1000);
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': slackSignature(this.signingSecret, timestamp, body),
    };
    if (retry.retryNum !== undefined) headers['x-slack-retry-num'] = String(retry.retryNum);
    if (retry.retryReason !== undefined) headers['x-slack-retry-reason'] = retry.retryReason;
    return headers;
  }

  async #sendSocket(delivery: Delivery, retry: RetryOptions): Promise<AppResponse> {
    const started = performance.now();
    const ack = await this.#socketHub.deliver(delivery.type as EnvelopeType, delivery.payload ?? {}, {
      retryAttempt: retry.retryNum,
      retryReason: retry.retryReason,
    });
    // Bolt's bare ack() arrives as `payload: {}`; report it like the empty HTTP body.
    const body = ack.payload !== undefined && Object.keys(ack.payload).length > 0 ? ack.payload : undefined;
    delivery.response = { status: ack.acked ? 200 : 0, body, elapsedMs: performance.now() - started, deliveryId: delivery.id };
    return delivery.response;
  }

  /** What Slack does with an ack body: show a command's reply, or act on a modal's response_action. */
  #applyAck(delivery: Delivery, response: AppResponse): void {
    if (response.status !== 200) return;
    const { context } = delivery;
    if (context.kind === 'command' && response.body !== undefined) {
      const body = typeof response.body === 'string' ? { text: response.body } : response.body;
      if (isRecord(body)) this.#showReply(body, { kind: 'command', userId: context.userId, channelId: context.channelId, messageTs: undefined }, 'ack');
    }
    if (context.kind === 'view') {
      const problems = this.#applyViewAck(context.userId, context.viewId, response.body);
      if (problems.length > 0) this.ackRejections.push({ deliveryId: delivery.id, problems });
    }
  }

  #applyViewAck(userId: string, viewId: string, body: unknown): string[] {
    const stack = this.#modalStacks.get(userId) ?? [];
    const action = isRecord(body) ? str(body.response_action) : undefined;
    if (action === undefined) {
      this.#closeModals(userId, stack.slice(stack.indexOf(viewId)));
      return [];
    }
    const ack = body as Json;
    if (action === 'errors') return this.#errorsAckProblems(viewId, ack.errors);
    if (action === 'clear') {
      this.#closeModals(userId, stack);
      return [];
    }
    if (action !== 'update' && action !== 'push') return [`unknown response_action ${action}`];
    if (!isRecord(ack.view)) return ['response_action needs a view'];
    const problems = viewProblems(ack.view, ['modal']);
    if (problems.length > 0) return problems;
    if (action === 'update') this.#replaceViewContent(viewId, ack.view);
    else if (stack.length >= 3) return ['push_limit_reached'];
    else this.#openModal(userId, ack.view, 'push');
    return [];
  }

  #errorsAckProblems(viewId: string, errors: unknown): string[] {
    if (!isRecord(errors)) return ['response_action errors needs an errors object'];
    const inputIds = new Set(
      this.#views
        .get(viewId)
        ?.view.blocks.filter((b) => b.type === 'input')
        .map((b) => b.block_id),
    );
    return Object.keys(errors)
      .filter((blockId) => !inputIds.has(blockId))
      .map((blockId) => `errors names ${blockId}, which is not an input block of the view`);
  }

  #viewClickPayload(args: ClickButtonArgs): Json {
    const record = this.#views.get(args.viewId ?? '');
    if (record === undefined || !record.open) throw new Error(`Slack emulator: view ${args.viewId} is not open`);
    const found = this.#requireButton(record.view.blocks, args);
    return {
      type: 'block_actions',
      team: this.#teamRef(args.userId),
      api_app_id: this.appId,
      token: this.verificationToken,
      container: { type: 'view', view_id: record.view.id },
      trigger_id: this.#issueTrigger(args.userId),
      view: clone(record.view),
      actions: [this.#buttonAction(found, args.value)],
      ...this.#interactionOrgFields(args.userId),
    };
  }

  #messageClickPayload(args: ClickButtonArgs & { kind?: 'button' | 'menu' }): Json {
    if (args.channelId === undefined || args.messageTs === undefined) {
      throw new Error('Slack emulator: clickButton needs channelId and messageTs, or viewId');
    }
    const channel = this.#channelForUi(args.channelId);
    const message = this.#findMessage(args.channelId, args.messageTs);
    const ephemeral =
      message === undefined
        ? this.#ephemerals.find((e) => e.user === args.userId && e.message_ts === args.messageTs && e.channel === args.channelId)
        : undefined;
    const blocks = message?.blocks ?? ephemeral?.blocks;
    if (blocks === undefined) throw new Error(`Slack emulator: no message ${args.messageTs} with blocks in ${args.channelId}`);
    const found = args.kind === 'menu' ? this.#requireMenu(blocks, args) : this.#requireButton(blocks, args);
    const action = args.kind === 'menu' ? this.#menuAction(found, args.value ?? '') : this.#buttonAction(found, args.value);
    const payload: Json = {
      type: 'block_actions',
      team: this.#teamRef(args.userId),
      api_app_id: this.appId,
      token: this.verificationToken,
      container: messageContainer(args.channelId, args.messageTs, message, ephemeral !== undefined),
      trigger_id: this.#issueTrigger(args.userId),
      channel: { id: args.channelId, name: channel.isIm ? 'directmessage' : channel.fixture.name },
      state: { values: {} },
      response_url: this.#issueResponseUrl('action', args.userId, args.channelId, args.messageTs),
      actions: [action],
      ...this.#interactionOrgFields(args.userId),
    };
    if (args.kind === 'menu' && found.block.block_id !== undefined) {
      // A select inside a message's actions block also shows up in the message's state values.
      payload.state = {
        values: {
          [String(found.block.block_id)]: { [String(found.element.action_id)]: { type: found.element.type, selected_option: action.selected_option } },
        },
      };
    }
    if (message !== undefined) payload.message = clone(message);
    return payload;
  }

  #requireButton(blocks: Block[], args: ClickButtonArgs): { block: Block; element: Json } {
    const found = findElement(blocks, args.actionId, args.blockId);
    if (found === undefined || found.element.type !== 'button') {
      throw new Error(`Slack emulator: no button with action_id ${args.actionId}${args.blockId ? ` in block ${args.blockId}` : ''}`);
    }
    return found;
  }

  #requireMenu(blocks: Block[], args: ClickButtonArgs): { block: Block; element: Json } {
    const found = findElement(blocks, args.actionId, args.blockId);
    if (found === undefined || (found.element.type !== 'static_select' && found.element.type !== 'overflow')) {
      throw new Error(`Slack emulator: no static_select or overflow with action_id ${args.actionId}`);
    }
    return found;
  }

  /** The chosen option must be one the menu offers; Slack sends it back exactly as the app wrote it. */
  #menuAction({ block, element }: { block: Block; element: Json }, value: string): Json {
    const option = (element.options as Json[] | undefined)?.find((o) => o.value === value);
    if (option === undefined) throw new Error(`Slack emulator: menu ${String(element.action_id)} has no option ${value}`);
    const action: Json = {
      type: element.type,
      block_id: block.block_id,
      action_id: element.action_id,
      selected_option: clone(option),
      action_ts: this.#nextTs(),
    };
    if (element.placeholder !== undefined) action.placeholder = clone(element.placeholder);
    return action;
  }

  #buttonAction({ block, element }: { block: Block; element: Json }, value: string | undefined): Json {
    const action: Json = {
      type: 'button',
      block_id: block.block_id,
      action_id: element.action_id,
      text: clone(element.text),
      action_ts: this.#nextTs(),
    };
    const actionValue = value ?? str(element.value);
    if (actionValue !== undefined) action.value = actionValue;
    if (element.style !== undefined) action.style = element.style;
    return action;
  }

  #userRef(userId: string): Json {
    const user = this.#requireUser(userId);
    return { id: user.id, username: user.name, name: user.name, team_id: this.#teamOfUser(user.id) };
  }

  #teamOfUser(userId: string): string {
    return this.#users.get(userId)?.teamId ?? this.teamId;
  }

  /** A payload's `team`: a workspace in an organization also names it (`enterprise_id`, `enterprise_name`). */
  #teamRef(userId: string): { id: string; domain: string; enterprise_id?: string; enterprise_name?: string } {
    const team = this.#teams.get(this.#teamOfUser(userId))!;
    const org = team.enterpriseId === undefined ? undefined : this.#enterprises.get(team.enterpriseId)!;
    return { id: team.id, domain: team.domain, ...(org ? { enterprise_id: org.id, enterprise_name: org.name } : {}) };
  }

  /** The organization of a team, if any, and whether the app is there through an org-wide install. */
  #orgOf(teamId: string): { org: EnterpriseFixture | undefined; orgWide: boolean } {
    const enterpriseId = this.#teams.get(teamId)?.enterpriseId;
    const org = enterpriseId === undefined ? undefined : this.#enterprises.get(enterpriseId);
    return { org, orgWide: org !== undefined && (this.#orgTeams.get(org.id)?.has(teamId) ?? false) };
  }

  /** A slash command's form fields: `enterprise_id`/`enterprise_name` in an organization; the flag is a string. */
  #commandOrgFields(userId: string): Record<string, string> {
    const { org, orgWide } = this.#orgOf(this.#teamOfUser(userId));
    return { ...(org ? { enterprise_id: org.id, enterprise_name: org.name } : {}), is_enterprise_install: String(orgWide) };
  }

  /** Interaction payloads (block_actions, view_submission): `enterprise` ({id, name} or null) and the flag. */
  #interactionOrgFields(userId: string): Json {
    const { org, orgWide } = this.#orgOf(this.#teamOfUser(userId));
    return { is_enterprise_install: orgWide, enterprise: org ? { id: org.id, name: org.name } : null };
  }

  #requireUser(userId: string): UserFixture {
    const user = this.#users.get(userId);
    if (user === undefined) throw new Error(`Slack emulator: unknown user ${userId}; call addUser() first`);
    return user;
  }

  /** Slack knows every channel a user types in; unknown ones are registered with defaults. */
  #channelForUi(channelId: string): ChannelRecord {
    if (!this.#channels.has(channelId)) this.addChannel({ id: channelId, name: channelId.toLowerCase() });
    return this.#channels.get(channelId) as ChannelRecord;
  }

  #issueTrigger(userId: string): string {
    const id = `${Date.now()}${randomInt(1000, 9999)}.${randomInt(1e8, 1e9)}.${hex(16)}`;
    this.#triggers.set(id, { userId, issuedAt: Date.now(), used: false });
    return id;
  }

  #issueResponseUrl(kind: 'command' | 'action', userId: string, channelId: string, messageTs: string | undefined): string {
    const path = `/${kind === 'command' ? 'commands' : 'actions'}/${this.teamId}/${randomInt(1e9, 1e10)}/${hex(12)}`;
    this.#responseUrls.set(path, { kind, userId, channelId, messageTs, issuedAt: Date.now(), uses: 0 });
    return `${this.origin}${path}`;
  }

  // -------------------------------------------------------------------------------------------
  // HTTP routing (app -> Slack)
  // -------------------------------------------------------------------------------------------

  async #route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.origin);
    if (url.pathname.startsWith('/api/')) return this.#handleApi(req, res, url);
    if (req.method === 'GET' && url.pathname === '/oauth/v2/authorize') return this.#handleAuthorize(res, url);
    if (req.method === 'POST' && this.#responseUrls.has(url.pathname)) return this.#handleResponseUrl(req, res, url.pathname);
    if (req.method === 'POST' && url.pathname.startsWith('/upload/')) return this.#handleUpload(req, res, url.pathname.slice('/upload/'.length));
    if (this.userFiles.handle(req, res, url)) return;
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found');
  }

  #upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (new URL(req.url ?? '/', this.origin).pathname === '/socket') this.#socketHub.handleUpgrade(req, socket, head);
    else socket.destroy();
  }

  async #handleApi(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const method = url.pathname.slice('/api/'.length);
    const call: WebApiCall = { method, args: {}, at: Date.now(), status: 200, response: {} };
    this.requests.push(call);
    let reply: { status: number; body: Json; headers?: Record<string, string> } | 'drop';
    try {
      const parsed = await parseApiRequest(req, url);
      const { token, ...args } = parsed.args;
      call.args = args;
      if (this.#latencyMs > 0) await sleep(this.#latencyMs);
      reply = this.#answer(call, args, { token: bearerToken(req) ?? (parsed.bodyWasJson ? undefined : str(token)), basic: basicAuth(req) });
    } catch (error) {
      reply = { status: 200, body: errorBody(error) };
    }
    if (reply === 'drop') {
      call.status = 0;
      res.socket?.destroy();
      return;
    }
    call.status = reply.status;
    call.response = reply.body;
    sendJson(res, reply.status, reply.body, { 'x-oauth-scopes': BOT_SCOPES, ...reply.headers });
  }

  #answer(
    call: WebApiCall,
    args: Json,
    auth: { token: string | undefined; basic?: { id: string; secret: string } | undefined },
  ): { status: number; body: Json; headers?: Record<string, string> } | 'drop' {
    const method = call.method;
    const handler = this.#methods[method];
    if (handler === undefined) return { status: 200, body: { ok: false, error: 'unknown_method', req_method: method } };
    if (method === 'oauth.v2.access') return this.#oauthAccess(args, auth.basic);
    const grant = this.#authenticate(method, auth.token);
    this.#callTeamId = grant.teamId;
    this.#callEnterpriseId = grant.teamId === undefined ? grant.enterpriseId : undefined;
    this.#callActingTeamId = grant.teamId;
    if (grant.teamId !== undefined) call.teamId = grant.teamId;
    else call.enterpriseId = grant.enterpriseId;
    const fault = this.#takeFault(method);
    if (fault === undefined) return { status: 200, body: handler(args) };
    if (fault.afterEffect) {
      try {
        handler(args);
      } catch {
        // the scripted fault wins over whatever the effect said
      }
    }
    if (fault.dropConnection) return 'drop';
    if (fault.status === 429) {
      return {
        status: 429,
        body: { ok: false, error: fault.error ?? 'ratelimited' },
        headers: { 'retry-after': String(fault.retryAfterSeconds ?? 1) },
      };
    }
    return { status: fault.status ?? 200, body: { ok: false, error: fault.error ?? 'internal_error' } };
  }

  /**
   * Checks the token and returns its grant: every method then sees only that team's channels and users,
   * or, for an org-wide token, those of the organization's workspaces the app was added to (#sees).
   */
  #authenticate(method: string, token: string | undefined): { teamId: string | undefined; enterpriseId: string | undefined } {
    if (token === undefined || token === '') throw new ApiError('not_authed');
    const grant = token === this.appToken ? { teamId: this.teamId, enterpriseId: undefined, kind: 'app' as const, revoked: false } : this.#tokens.get(token);
    if (grant === undefined) throw new ApiError('invalid_auth');
    if (grant.revoked || (token === this.botToken && this.#revoked.has('bot')) || (grant.kind === 'app' && this.#revoked.has('app')))
      throw new ApiError('token_revoked');
    const needed = method === 'apps.connections.open' ? 'app' : 'bot';
    if (grant.kind !== needed && !(grant.kind === 'user' && needed === 'bot')) throw new ApiError('not_allowed_token_type');
    return { teamId: grant.teamId, enterpriseId: grant.enterpriseId };
  }

  /** Whether the call's token works in a team; an org-wide token's call then acts in that team. */
  #sees(teamId: string): boolean {
    if (this.#callTeamId !== undefined) return teamId === this.#callTeamId;
    const seen = this.#callEnterpriseId !== undefined && (this.#orgTeams.get(this.#callEnterpriseId)?.has(teamId) ?? false);
    if (seen) this.#callActingTeamId = teamId;
    return seen;
  }

  #oauthAccess(args: Json, basic: { id: string; secret: string } | undefined): { status: number; body: Json } {
    try {
      return { status: 200, body: this.oauth.access(args, basic) };
    } catch (error) {
      if (error instanceof OAuthError) return { status: 200, body: { ok: false, error: error.code } };
      throw error;
    }
  }

  /**
   * A completed consent: the team's (or, org-wide, the organization's) bot token, kept across reinstalls
   * until revoked, and a user token if asked.
   */
  #install(grant: { teamId: string | undefined; enterpriseId: string | undefined; userId: string; userScopes: string[] }): IssuedTokens {
    const team = grant.teamId === undefined ? undefined : this.#teams.get(grant.teamId);
    if (grant.teamId !== undefined && team === undefined) throw new Error(`Slack emulator: unknown team ${grant.teamId}; call addTeam() first`);
    const enterpriseId = team ? team.enterpriseId : grant.enterpriseId;
    const org = enterpriseId === undefined ? undefined : this.#enterprises.get(enterpriseId);
    if (team === undefined && org === undefined) throw new Error(`Slack emulator: unknown organization ${grant.enterpriseId}; call addEnterprise() first`);
    const owner = { teamId: team?.id, enterpriseId: team ? undefined : org!.id };
    const owns = (t: TokenGrant) => (owner.teamId !== undefined ? t.teamId === owner.teamId : t.teamId === undefined && t.enterpriseId === owner.enterpriseId);
    let botToken = [...this.#tokens].find(([, t]) => owns(t) && t.kind === 'bot' && !t.revoked)?.[0];
    if (botToken === undefined) {
      botToken = ['xoxb', String(randomInt(1e9, 1e10)), String(randomInt(1e9, 1e10)), hex(12)].join('-');
      this.#tokens.set(botToken, { ...owner, enterpriseId: org?.id, kind: 'bot', revoked: false });
    }
    let userToken: string | undefined;
    if (grant.userScopes.length > 0) {
      userToken = ['xoxp', String(randomInt(1e9, 1e10)), String(randomInt(1e9, 1e10)), hex(16)].join('-');
      this.#tokens.set(userToken, { ...owner, enterpriseId: org?.id, kind: 'user', revoked: false });
    }
    return {
      botToken,
      botUserId: this.botUserId,
      userToken,
      team: team ? { id: team.id, name: team.name } : undefined,
      enterprise: org ? { id: org.id, name: org.name } : undefined,
    };
  }

  /** Whether a token was issued to this team, or org-wide to this organization (given its `E…` id). */
  #issuedTo(grant: TokenGrant, teamOrEnterpriseId: string): boolean {
    return grant.teamId === teamOrEnterpriseId || (grant.teamId === undefined && grant.enterpriseId === teamOrEnterpriseId);
  }

  /** The bot token Slack issued to a team, or org-wide to an organization (undefined before, and after an uninstall). */
  botTokenOf(teamOrEnterpriseId: string): string | undefined {
    return [...this.#tokens].find(([, t]) => this.#issuedTo(t, teamOrEnterpriseId) && t.kind === 'bot' && !t.revoked)?.[0];
  }

  /** Every token ever issued to a team or organization, revoked or not (to look for them where they must not be). */
  tokensOf(teamOrEnterpriseId: string): string[] {
    return [...this.#tokens].filter(([, t]) => this.#issuedTo(t, teamOrEnterpriseId)).map(([token]) => token);
  }

  #takeFault(method: string): (Fault & { times: number }) | undefined {
    for (const key of [method, '*']) {
      const queue = this.#faultQueues.get(key);
      const fault = queue?.[0];
      if (queue === undefined || fault === undefined) continue;
      fault.times -= 1;
      if (fault.times <= 0) queue.shift();
      return fault;
    }
    return undefined;
  }

  /** The consent page: the signed-in user allows at once (or cancels), and the browser is sent back. */
  #handleAuthorize(res: ServerResponse, url: URL): void {
    const answer = this.oauth.authorize(url);
    if (answer.status === 302) res.writeHead(302, { location: answer.location });
    else res.writeHead(400, { 'content-type': 'text/plain' });
    res.end(answer.status === 302 ? '' : answer.text);
  }

  async #handleResponseUrl(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const record = this.#responseUrls.get(path) as ResponseUrlRecord;
    const text = (await readBody(req)).toString();
    if (this.#latencyMs > 0) await sleep(this.#latencyMs);
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // recorded as text below; Slack answers 400 for a body it cannot read
    }
    const expired = Date.now() - record.issuedAt > RESPONSE_URL_TTL_MS;
    const status = expired || record.uses >= RESPONSE_URL_MAX_USES ? 404 : isRecord(body) ? 200 : 400;
    this.responses.push({ url: `${this.origin}${path}`, kind: record.kind, userId: record.userId, channelId: record.channelId, body, status, at: Date.now() });
    if (status === 200 && isRecord(body)) {
      record.uses += 1;
      this.#showReply(body, record, 'response_url');
    }
    res.writeHead(status, { 'content-type': 'text/plain' });
    res.end(status === 200 ? 'ok' : status === 404 ? (expired ? 'expired_url' : 'used_url') : 'invalid_payload');
  }

  /**
   * A reply through a response_url or a command's ack: delete/replace the message the button was
   * on, post in channel, or (the default) show it only to the user.
   */
  #showReply(body: Json, target: Pick<ResponseUrlRecord, 'kind' | 'userId' | 'channelId' | 'messageTs'>, source: 'response_url' | 'ack'): void {
    const original = target.kind === 'action' && target.messageTs !== undefined ? this.#findMessage(target.channelId, target.messageTs) : undefined;
    if (original !== undefined && truthy(body.delete_original)) {
      this.#deleteMessage(target.channelId, original.ts);
      return;
    }
    const blocks = Array.isArray(body.blocks) ? withGeneratedIds(body.blocks as Block[]) : undefined;
    if (original !== undefined && truthy(body.replace_original)) {
      original.text = str(body.text) ?? original.text;
      if (blocks !== undefined) original.blocks = blocks;
      original.edited = { user: this.botUserId, ts: this.#nextTs() };
      return;
    }
    if (body.response_type === 'in_channel') {
      this.#storeMessage(this.#channelForUi(target.channelId), { text: str(body.text) ?? '', blocks, threadTs: str(body.thread_ts), broadcast: false });
      return;
    }
    this.#ephemerals.push({
      channel: target.channelId,
      user: target.userId,
      text: str(body.text) ?? '',
      blocks,
      thread_ts: str(body.thread_ts),
      message_ts: this.#nextTs(),
      source,
    });
  }

  async #handleUpload(req: IncomingMessage, res: ServerResponse, fileId: string): Promise<void> {
    const file = this.files.get(fileId);
    const bytes = await uploadedBytes(req);
    if (file === undefined) {
      res.writeHead(404);
      res.end();
      return;
    }
    file.bytes = bytes;
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`OK - ${bytes.length}`);
  }

  // -------------------------------------------------------------------------------------------
  // Web API methods
  // -------------------------------------------------------------------------------------------

  #methodTable(): Record<string, MethodHandler> {
    return {
      'auth.test': () => this.#authTest(),
      // answered before token checks (#answer): it takes client credentials instead of a token.
      'oauth.v2.access': () => ({ ok: false, error: 'invalid_arguments' }),
      'chat.postMessage': (a) => this.#chatPostMessage(a),
      'chat.update': (a) => this.#chatUpdate(a),
      'chat.delete': (a) => this.#chatDelete(a),
      'chat.postEphemeral': (a) => this.#chatPostEphemeral(a),
      'chat.getPermalink': (a) => this.#chatGetPermalink(a),
      'views.open': (a) => this.#viewsOpen(a),
      'views.push': (a) => this.#viewsPush(a),
      'views.update': (a) => this.#viewsUpdate(a),
      'views.publish': (a) => this.#viewsPublish(a),
      'users.info': (a) => this.#usersInfo(a),
      'usergroups.users.list': (a) => this.#usergroupsUsersList(a),
      'conversations.info': (a) => this.#conversationsInfo(a),
      'conversations.replies': (a) => this.#conversationsReplies(a),
      'apps.connections.open': () => this.#appsConnectionsOpen(),
      'files.getUploadURLExternal': (a) => this.#filesGetUploadUrlExternal(a),
      'files.completeUploadExternal': (a) => this.#filesCompleteUploadExternal(a),
    };
  }

  #authTest(): Json {
    if (this.#callTeamId === undefined) {
      // An org-wide token: the organization's URL and id, no single workspace (the installer reads url and bot_id).
      const org = this.#enterprises.get(this.#callEnterpriseId!)!;
      const domain = org.name.toLowerCase().replace(/[^a-z0-9]+/g, '-');
      return {
        ok: true,
        url: `https://${domain}.enterprise.slack.com/`,
        team: org.name,
        user: 'greenlight',
        team_id: org.id,
        user_id: this.botUserId,
        bot_id: this.botId,
        enterprise_id: org.id,
        is_enterprise_install: true,
      };
    }
    const team = this.#teams.get(this.#callTeamId)!;
    return {
      ok: true,
      url: `https://${team.domain}.slack.com/`,
      team: team.name,
      user: 'greenlight',
      team_id: team.id,
      // A workspace in an Enterprise Grid organization: auth.test names the organization too.
      ...(team.enterpriseId ? { enterprise_id: team.enterpriseId } : {}),
      user_id: this.botUserId,
      bot_id: this.botId,
      is_enterprise_install: false,
    };
  }

  #chatPostMessage(args: Json): Json {
    const channel = this.#writableChannel(requireArg(args, 'channel'));
    const { text, blocks } = this.#messageContent(args, true);
    const message = this.#storeMessage(channel, { text: text ?? '', blocks, threadTs: str(args.thread_ts), broadcast: truthy(args.reply_broadcast) });
    if (args.metadata !== undefined) message.metadata = checkedMetadata(args.metadata);
    return { ok: true, channel: channel.fixture.id, ts: message.ts, message: withoutMetadata(message) };
  }

  #chatUpdate(args: Json): Json {
    const channelId = this.#knownChannel(requireArg(args, 'channel')).fixture.id;
    const message = this.#findMessage(channelId, requireArg(args, 'ts'));
    if (message === undefined) throw new ApiError('message_not_found');
    if (message.bot_id !== this.botId) throw new ApiError('cant_update_message');
    const { text, blocks } = this.#messageContent(args, false);
    if (text === undefined && blocks === undefined) throw new ApiError('no_text');
    if (text !== undefined) message.text = text;
    if (blocks !== undefined) message.blocks = blocks;
    message.edited = { user: this.botUserId, ts: this.#nextTs() };
    return { ok: true, channel: channelId, ts: message.ts, text: message.text, message: withoutMetadata(message) };
  }

  #chatDelete(args: Json): Json {
    const channelId = this.#knownChannel(requireArg(args, 'channel')).fixture.id;
    const ts = requireArg(args, 'ts');
    const message = this.#findMessage(channelId, ts);
    if (message === undefined) throw new ApiError('message_not_found');
    if (message.bot_id !== this.botId) throw new ApiError('cant_delete_message');
    this.#deleteMessage(channelId, ts);
    return { ok: true, channel: channelId, ts };
  }

  #chatPostEphemeral(args: Json): Json {
    const channel = this.#writableChannel(requireArg(args, 'channel'));
    const user = requireArg(args, 'user');
    if (!this.#users.has(user)) throw new ApiError('user_not_in_channel');
    const { text, blocks } = this.#messageContent(args, true);
    const messageTs = this.#nextTs();
    this.#ephemerals.push({
      channel: channel.fixture.id,
      user,
      text: text ?? '',
      blocks,
      thread_ts: str(args.thread_ts),
      message_ts: messageTs,
      source: 'chat.postEphemeral',
    });
    return { ok: true, message_ts: messageTs };
  }

  #chatGetPermalink(args: Json): Json {
    const channelId = this.#knownChannel(requireArg(args, 'channel')).fixture.id;
    const message = this.#findMessage(channelId, requireArg(args, 'message_ts'));
    if (message === undefined) throw new ApiError('message_not_found');
    let permalink = `https://${this.teamDomain}.slack.com/archives/${channelId}/p${message.ts.replace('.', '')}`;
    if (message.thread_ts !== undefined && message.thread_ts !== message.ts) permalink += `?thread_ts=${message.thread_ts}&cid=${channelId}`;
    return { ok: true, channel: channelId, permalink };
  }

  #viewsOpen(args: Json): Json {
    const userId = this.#exchangeTrigger(args.trigger_id);
    const view = this.#checkedView(args.view, ['modal']);
    const stack = this.#modalStacks.get(userId) ?? [];
    this.#closeModals(userId, stack);
    return { ok: true, view: clone(this.#openModal(userId, view, 'open')) };
  }

  #viewsPush(args: Json): Json {
    const userId = this.#exchangeTrigger(args.trigger_id);
    const view = this.#checkedView(args.view, ['modal']);
    if ((this.#modalStacks.get(userId) ?? []).length >= 3) throw new ApiError('push_limit_reached');
    return { ok: true, view: clone(this.#openModal(userId, view, 'push')) };
  }

  #viewsUpdate(args: Json): Json {
    const view = this.#checkedView(args.view, ['modal', 'home']);
    const record = this.#findViewRecord(str(args.view_id), str(args.external_id));
    if (record === undefined || !record.open) throw new ApiError('not_found');
    const hash = str(args.hash);
    if (hash !== undefined && hash !== record.view.hash) throw new ApiError('hash_conflict');
    return { ok: true, view: clone(this.#replaceViewContent(record.view.id, view)) };
  }

  #viewsPublish(args: Json): Json {
    const userId = requireArg(args, 'user_id');
    if (!this.#users.has(userId)) throw new ApiError('user_not_found');
    const view = this.#checkedView(args.view, ['home']);
    const existingId = this.#homeViews.get(userId);
    if (existingId !== undefined) {
      const hash = str(args.hash);
      if (hash !== undefined && hash !== this.#views.get(existingId)?.view.hash) throw new ApiError('hash_conflict');
      return { ok: true, view: clone(this.#replaceViewContent(existingId, view)) };
    }
    const created = this.#buildView(view, { rootViewId: null, previousViewId: null });
    this.#views.set(created.id, { view: created, userId, open: true });
    this.#homeViews.set(userId, created.id);
    return { ok: true, view: clone(created) };
  }

  #usersInfo(args: Json): Json {
    const user = this.#users.get(requireArg(args, 'user'));
    if (user === undefined || !this.#sees(user.teamId ?? this.teamId)) throw new ApiError('user_not_found');
    return { ok: true, user: this.#userObject(user, truthy(args.include_locale)) };
  }

  #usergroupsUsersList(args: Json): Json {
    const group = this.#groups.get(requireArg(args, 'usergroup'));
    if (group === undefined) throw new ApiError('no_such_subteam');
    return { ok: true, users: [...group.users] };
  }

  #conversationsInfo(args: Json): Json {
    const record = this.#knownChannel(requireArg(args, 'channel'));
    return { ok: true, channel: this.#conversationObject(record) };
  }

  /**
   * The thread's parent and replies, oldest first, within oldest/latest (exclusive unless
   * `inclusive`), a page of `limit` with a cursor to the next. A bot reads only channels it is in.
   * Metadata is left out unless include_all_metadata is set, as Slack does.
   */
  #conversationsReplies(args: Json): Json {
    const record = this.#knownChannel(requireArg(args, 'channel'));
    if (!record.fixture.isMember) throw new ApiError('not_in_channel');
    const ts = requireArg(args, 'ts');
    const target = record.messages.find((m) => m.ts === ts);
    if (target === undefined) throw new ApiError('thread_not_found');
    const threadTs = target.thread_ts ?? target.ts;
    const inclusive = truthy(args.inclusive);
    const oldest = Number(str(args.oldest) ?? 0);
    const latest = Number(str(args.latest) ?? Infinity);
    const inWindow = (m: SlackMessage) => (inclusive ? Number(m.ts) >= oldest && Number(m.ts) <= latest : Number(m.ts) > oldest && Number(m.ts) < latest);
    const thread = record.messages.filter((m) => (m.ts === threadTs || m.thread_ts === threadTs) && inWindow(m));
    const limit = Math.min(Math.max(Number(str(args.limit) ?? 10) || 10, 1), 1000);
    const cursor = str(args.cursor);
    const start = cursor
      ? Number(
          Buffer.from(cursor, 'base64')
            .toString()
            .replace(/^offset:/, ''),
        )
      : 0;
    if (!Number.isInteger(start) || start < 0) throw new ApiError('invalid_cursor');
    const page = thread.slice(start, start + limit).map((m) => (truthy(args.include_all_metadata) ? clone(m) : withoutMetadata(m)));
    const more = start + limit < thread.length;
    return {
      ok: true,
      messages: page,
      has_more: more,
      response_metadata: { next_cursor: more ? Buffer.from(`offset:${start + limit}`).toString('base64') : '' },
    };
  }

  #appsConnectionsOpen(): Json {
    return { ok: true, url: this.#socketHub.issueUrl(`ws://127.0.0.1:${this.#port}`) };
  }

  #filesGetUploadUrlExternal(args: Json): Json {
    const name = requireArg(args, 'filename');
    const length = Number(requireArg(args, 'length'));
    if (!Number.isInteger(length) || length <= 0) throw new ApiError('invalid_arguments');
    const fileId = slackId('F');
    this.files.set(fileId, { name, length, bytes: Buffer.alloc(0), completed: false });
    return { ok: true, upload_url: `${this.origin}/upload/${fileId}`, file_id: fileId };
  }

  #filesCompleteUploadExternal(args: Json): Json {
    if (!Array.isArray(args.files) || args.files.length === 0) throw new ApiError('invalid_arguments');
    const completed = args.files.map((entry: unknown) => {
      const id = isRecord(entry) ? str(entry.id) : undefined;
      const file = id === undefined ? undefined : this.files.get(id);
      if (id === undefined || file === undefined || file.bytes.length === 0) throw new ApiError('file_not_found');
      file.completed = true;
      file.title = (isRecord(entry) ? str(entry.title) : undefined) ?? file.name;
      return {
        id,
        name: file.name,
        title: file.title,
        size: file.bytes.length,
        permalink: `https://${this.teamDomain}.slack.com/files/${this.botUserId}/${id}/${file.name}`,
      };
    });
    const channelId = str(args.channel_id);
    if (channelId !== undefined) {
      const message = this.#storeMessage(this.#writableChannel(channelId), {
        text: str(args.initial_comment) ?? '',
        blocks: undefined,
        threadTs: str(args.thread_ts),
        broadcast: false,
      });
      message.files = clone(completed);
      message.upload = true;
    }
    return { ok: true, files: completed };
  }

  // -------------------------------------------------------------------------------------------
  // Messages
  // -------------------------------------------------------------------------------------------

  #knownChannel(idOrName: string): ChannelRecord {
    const byId = this.#channels.get(idOrName);
    // Another workspace's channel does not exist for this token.
    if (byId !== undefined && this.#sees(byId.fixture.teamId)) return byId;
    const name = idOrName.replace(/^#/, '');
    const byName = [...this.#channels.values()].find((c) => !c.isIm && c.fixture.name === name && this.#sees(c.fixture.teamId));
    if (byName !== undefined) return byName;
    if (this.#users.has(idOrName) && this.#sees(this.#teamOfUser(idOrName))) return this.#directMessage(idOrName);
    throw new ApiError('channel_not_found');
  }

  /** Posting to a user id opens (or reuses) the bot's DM with that user, as Slack does. */
  #directMessage(userId: string): ChannelRecord {
    const id = `D${userId.slice(1).padEnd(8, '0')}`;
    if (!this.#channels.has(id)) {
      this.#channels.set(id, {
        fixture: { id, name: userId, isPrivate: true, isArchived: false, isMember: true, teamId: this.#teamOfUser(userId) },
        isIm: true,
        created: Math.floor(Date.now() / 1000),
        messages: [],
      });
    }
    return this.#channels.get(id) as ChannelRecord;
  }

  #writableChannel(idOrName: string): ChannelRecord {
    const record = this.#knownChannel(idOrName);
    if (record.fixture.isArchived) throw new ApiError('is_archived');
    if (!record.fixture.isMember) throw new ApiError('not_in_channel');
    return record;
  }

  #messageContent(args: Json, requireSomething: boolean): { text: string | undefined; blocks: Block[] | undefined } {
    const text = str(args.text);
    let blocks: Block[] | undefined;
    if (args.blocks !== undefined) {
      const problems = blockProblems(args.blocks, '/blocks', 50);
      if (problems.length > 0) throw new ApiError('invalid_blocks', problems);
      blocks = withGeneratedIds(args.blocks as Block[]);
    }
    if (requireSomething && !text && (blocks === undefined || blocks.length === 0) && args.attachments === undefined) throw new ApiError('no_text');
    if (text !== undefined && text.length > 40_000) throw new ApiError('msg_too_long');
    return { text, blocks };
  }

  #storeMessage(
    channel: ChannelRecord,
    content: { text: string; blocks: Block[] | undefined; threadTs: string | undefined; broadcast: boolean },
  ): SlackMessage {
    const message: SlackMessage = {
      type: 'message',
      ts: this.#nextTs(),
      text: content.text,
      user: this.botUserId,
      bot_id: this.botId,
      team: channel.fixture.teamId,
      bot_profile: this.#botProfile(),
    };
    if (content.blocks !== undefined) message.blocks = content.blocks;
    if (content.threadTs !== undefined) this.#attachToThread(channel, message, content.threadTs, content.broadcast);
    channel.messages.push(message);
    return message;
  }

  #attachToThread(channel: ChannelRecord, message: SlackMessage, threadTs: string, broadcast: boolean): void {
    const target = channel.messages.find((m) => m.ts === threadTs);
    // Replying to a reply lands in the parent's thread.
    const parentTs = target?.thread_ts ?? threadTs;
    const parent = channel.messages.find((m) => m.ts === parentTs);
    message.thread_ts = parentTs;
    if (broadcast) message.subtype = 'thread_broadcast';
    if (parent === undefined) return;
    message.parent_user_id = parent.user;
    parent.thread_ts = parent.ts;
    parent.reply_count = (parent.reply_count ?? 0) + 1;
    parent.latest_reply = message.ts;
    parent.reply_users = [...new Set([...(parent.reply_users ?? []), message.user])];
    parent.reply_users_count = parent.reply_users.length;
  }

  #findMessage(channelId: string, ts: string): SlackMessage | undefined {
    return this.#channels.get(channelId)?.messages.find((m) => m.ts === ts);
  }

  #deleteMessage(channelId: string, ts: string): void {
    const record = this.#channels.get(channelId);
    if (record !== undefined) record.messages = record.messages.filter((m) => m.ts !== ts);
  }

  /** Unique, increasing, Slack-shaped ("1732345678.000100") timestamps. */
  #nextTs(): string {
    this.#lastTsMicros = Math.max(Date.now() * 1000, this.#lastTsMicros + 1);
    return `${Math.floor(this.#lastTsMicros / 1e6)}.${String(this.#lastTsMicros % 1e6).padStart(6, '0')}`;
  }

  #botProfile(): BotProfile {
    const icon = 'https://a.slack-edge.com/80588/img/plugins/app/bot_48.png';
    return {
      id: this.botId,
      deleted: false,
      name: 'Greenlight',
      updated: 1700000000,
      app_id: this.appId,
      icons: { image_36: icon, image_48: icon, image_72: icon },
      team_id: this.teamId,
    };
  }

  // -------------------------------------------------------------------------------------------
  // Views
  // -------------------------------------------------------------------------------------------

  #exchangeTrigger(value: unknown): string {
    const trigger = this.#triggers.get(str(value) ?? '');
    // A trigger from another workspace's user is unknown to this token's app installation.
    if (trigger === undefined || !this.#sees(this.#teamOfUser(trigger.userId))) throw new ApiError('invalid_trigger_id');
    if (trigger.used) throw new ApiError('exchanged_trigger_id');
    if (Date.now() - trigger.issuedAt > this.#triggerTtlMs) throw new ApiError('expired_trigger_id');
    trigger.used = true;
    return trigger.userId;
  }

  #checkedView(value: unknown, allowedTypes: string[]): Json {
    if (!isRecord(value)) throw new ApiError('invalid_arguments', ['[ERROR] missing required field: view']);
    if (Buffer.byteLength(JSON.stringify(value)) > VIEW_MAX_BYTES) throw new ApiError('view_too_large');
    const problems = viewProblems(value, allowedTypes);
    if (problems.length > 0) throw new ApiError('invalid_arguments', problems);
    const externalId = str(value.external_id);
    if (externalId && [...this.#views.values()].some((r) => r.open && r.view.external_id === externalId)) {
      throw new ApiError('duplicate_external_id');
    }
    return value;
  }

  #buildView(input: Json, lineage: { rootViewId: string | null; previousViewId: string | null }): SlackView {
    const id = slackId('V');
    const view: SlackView = {
      id,
      team_id: this.#callActingTeamId ?? this.teamId,
      type: str(input.type) ?? 'modal',
      blocks: withGeneratedIds((input.blocks as Block[] | undefined) ?? []),
      private_metadata: str(input.private_metadata) ?? '',
      callback_id: str(input.callback_id) ?? '',
      state: { values: {} },
      hash: `${Math.floor(Date.now() / 1000)}.${hex(4)}`,
      clear_on_close: truthy(input.clear_on_close),
      notify_on_close: truthy(input.notify_on_close),
      root_view_id: lineage.rootViewId ?? id,
      previous_view_id: lineage.previousViewId,
      app_id: this.appId,
      external_id: str(input.external_id) ?? '',
      app_installed_team_id: this.#callActingTeamId ?? this.teamId,
      bot_id: this.botId,
    };
    if (view.type === 'modal') {
      view.title = clone(input.title);
      view.close = input.close === undefined ? null : clone(input.close);
      view.submit = input.submit === undefined ? null : clone(input.submit);
    }
    return view;
  }

  #openModal(userId: string, input: Json, how: 'open' | 'push'): SlackView {
    const stack = how === 'open' ? [] : (this.#modalStacks.get(userId) ?? []);
    const view = this.#buildView(input, { rootViewId: stack[0] ?? null, previousViewId: stack.at(-1) ?? null });
    this.#views.set(view.id, { view, userId, open: true });
    this.#modalStacks.set(userId, [...stack, view.id]);
    this.#lastModal.set(userId, view.id);
    return view;
  }

  #replaceViewContent(viewId: string, input: Json): SlackView {
    const record = this.#views.get(viewId) as ViewRecord;
    const { id, root_view_id: root, previous_view_id: previous } = record.view;
    record.view = { ...this.#buildView(input, { rootViewId: root, previousViewId: previous }), id };
    if (record.view.type === 'modal') this.#lastModal.set(record.userId, id);
    return record.view;
  }

  #closeModals(userId: string, viewIds: string[]): void {
    for (const id of viewIds) {
      const record = this.#views.get(id);
      if (record !== undefined) record.open = false;
    }
    const remaining = (this.#modalStacks.get(userId) ?? []).filter((id) => !viewIds.includes(id));
    this.#modalStacks.set(userId, remaining);
  }

  #findViewRecord(viewId: string | undefined, externalId: string | undefined): ViewRecord | undefined {
    if (viewId !== undefined) return this.#views.get(viewId);
    if (externalId !== undefined) return [...this.#views.values()].find((r) => r.open && r.view.external_id === externalId);
    throw new ApiError('invalid_arguments', ['[ERROR] view_id or external_id is required']);
  }

  // -------------------------------------------------------------------------------------------
  // Directory objects
  // -------------------------------------------------------------------------------------------

  #userObject(user: UserFixture & { updated: number }, includeLocale: boolean): Json {
    const { label, offsetSeconds } = timeZoneInfo(user.tz);
    const realName = user.realName ?? user.name;
    const [firstName = '', ...rest] = realName.split(' ');
    const profile: Json = {
      title: '',
      phone: '',
      skype: '',
      real_name: realName,
      real_name_normalized: realName,
      display_name: user.name,
      display_name_normalized: user.name,
      fields: null,
      status_text: '',
      status_emoji: '',
      status_expiration: 0,
      avatar_hash: `g${user.id.toLowerCase().slice(0, 11)}`,
      first_name: firstName,
      last_name: rest.join(' '),
      image_72: `https://secure.gravatar.com/avatar/${user.id.toLowerCase()}.jpg?s=72`,
      team: this.#teamOfUser(user.id),
    };
    if (user.isBot) {
      profile.bot_id = this.botId;
      profile.api_app_id = this.appId;
      profile.always_active = true;
    }
    const object: Json = {
      id: user.id,
      team_id: this.#teamOfUser(user.id),
      name: user.name,
      deleted: false,
      color: '9f69e7',
      real_name: realName,
      tz: user.tz,
      tz_label: label,
      tz_offset: offsetSeconds,
      profile,
      is_admin: user.isAdmin ?? false,
      is_owner: user.isOwner ?? false,
      is_primary_owner: false,
      is_restricted: false,
      is_ultra_restricted: false,
      is_bot: user.isBot ?? false,
      is_app_user: false,
      updated: user.updated,
      has_2fa: false,
    };
    if (includeLocale) object.locale = 'en-US';
    return object;
  }

  #conversationObject(record: ChannelRecord): Json {
    const { fixture } = record;
    const topic = { value: '', creator: '', last_set: 0 };
    const object: Json = {
      id: fixture.id,
      name: fixture.name,
      is_channel: !record.isIm && !fixture.isPrivate,
      is_group: !record.isIm && fixture.isPrivate,
      is_im: record.isIm,
      is_mpim: false,
      is_private: fixture.isPrivate,
      created: record.created,
      is_archived: fixture.isArchived,
      is_general: false,
      unlinked: 0,
      name_normalized: fixture.name,
      is_shared: false,
      is_org_shared: false,
      is_pending_ext_shared: false,
      pending_shared: [],
      parent_conversation: null,
      creator: this.botUserId,
      is_ext_shared: false,
      shared_team_ids: [fixture.teamId],
      pending_connected_team_ids: [],
      is_member: fixture.isMember,
      topic,
      purpose: { ...topic },
      previous_names: [],
    };
    if (record.isIm) object.user = fixture.name;
    return object;
  }
}

function messageContainer(channelId: string, messageTs: string, message: SlackMessage | undefined, isEphemeral: boolean): Json {
  const container: Json = { type: 'message', message_ts: messageTs, channel_id: channelId, is_ephemeral: isEphemeral };
  if (message?.thread_ts !== undefined && message.thread_ts !== message.ts) container.thread_ts = message.thread_ts;
  return container;
}

function errorBody(error: unknown): Json {
  if (error instanceof ApiError) {
    const body: Json = { ok: false, error: error.code };
    if (error.messages.length > 0) body.response_metadata = { messages: error.messages };
    return body;
  }
  return { ok: false, error: 'fatal_error' };
}
