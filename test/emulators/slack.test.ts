import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, LogLevel, SocketModeReceiver, webApi, type Logger } from '@slack/bolt';
import { afterEach, describe, expect, it } from 'vitest';
import { SlackEmulator, type Block, type Json, type StartOptions } from '../../emulators/slack.ts';
import { specValidator } from '../helpers/spec-validator.ts';
import { specPath } from '../helpers/specs.ts';

const USER = 'U0ALICE001';
const CHANNEL = 'C0MARKETING';
const SPEC_PATH = specPath('slack-web-api.openapi.json');

// ---------------------------------------------------------------------------------------------
// Harness: everything started in a test is stopped after it, apps before the emulator.
// ---------------------------------------------------------------------------------------------

const cleanups: Array<() => Promise<unknown>> = [];

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  setLevel: () => {},
  getLevel: () => LogLevel.ERROR,
  setName: () => {},
};

async function startEmulator(options: StartOptions = {}): Promise<SlackEmulator> {
  const emu = await SlackEmulator.start(options);
  cleanups.push(() => emu.stop());
  emu.addUser({ id: USER, name: 'alice', tz: 'Europe/Berlin', isAdmin: true });
  emu.addChannel({ id: CHANNEL, name: 'marketing' });
  return emu;
}

/** A real Bolt app on HTTP (HTTPReceiver), listening on a random loopback port. */
async function startHttpApp(emu: SlackEmulator, register: (app: App) => void): Promise<App> {
  const app = new App({
    token: emu.botToken,
    signingSecret: emu.signingSecret,
    clientOptions: { slackApiUrl: emu.apiUrl },
    logger: silentLogger,
  });
  register(app);
  const server = (await app.start({ port: 0, host: '127.0.0.1' })) as Server;
  cleanups.push(() => app.stop());
  emu.setAppUrl(`http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`);
  return app;
}

function webClient(emu: SlackEmulator, options: Partial<webApi.WebClientOptions> = {}): webApi.WebClient {
  return new webApi.WebClient(emu.botToken, { slackApiUrl: emu.apiUrl, logger: silentLogger, ...options });
}

function draftModal(channelId: string): Json {
  return {
    type: 'modal',
    callback_id: 'draft_modal',
    private_metadata: channelId,
    title: { type: 'plain_text', text: 'New post' },
    submit: { type: 'plain_text', text: 'Save draft' },
    blocks: [
      {
        type: 'input',
        block_id: 'copy',
        label: { type: 'plain_text', text: 'Copy' },
        element: { type: 'plain_text_input', action_id: 'text', multiline: true },
      },
      {
        type: 'input',
        block_id: 'networks',
        optional: true,
        label: { type: 'plain_text', text: 'Networks' },
        element: {
          type: 'checkboxes',
          action_id: 'picked',
          options: [
            { text: { type: 'plain_text', text: 'Mastodon' }, value: 'mastodon' },
            { text: { type: 'plain_text', text: 'Bluesky' }, value: 'bluesky' },
          ],
        },
      },
    ],
  };
}

function draftBlocks(text: string): Block[] {
  return [
    { type: 'section', text: { type: 'mrkdwn', text } },
    {
      type: 'actions',
      block_id: 'review',
      elements: [{ type: 'button', action_id: 'approve', text: { type: 'plain_text', text: 'Approve' }, value: 'draft-1', style: 'primary' }],
    },
  ];
}

/** The little app of test (1): /post opens a modal, the modal validates, a button replies in thread. */
function registerDraftFlow(app: App): void {
  app.command('/post', async ({ ack, body, client }) => {
    await ack();
    await client.views.open({ trigger_id: body.trigger_id, view: draftModal(body.channel_id) as never });
  });
  app.view('draft_modal', async ({ ack, view, client }) => {
    const text = view.state.values.copy?.text?.value ?? '';
    if (text.length < 10) {
      await ack({ response_action: 'errors', errors: { copy: 'Write at least 10 characters' } });
      return;
    }
    await ack();
    await client.chat.postMessage({ channel: view.private_metadata, text: `Draft: ${text}`, blocks: draftBlocks(`Draft: ${text}`) });
  });
  app.action('approve', async ({ ack, body, client }) => {
    await ack();
    if (body.type !== 'block_actions' || body.channel === undefined || body.message === undefined) return;
    await client.chat.postMessage({ channel: body.channel.id, thread_ts: body.message.ts, text: `Approved by <@${body.user.id}>` });
  });
}

// ---------------------------------------------------------------------------------------------
// (1) The real Bolt app over HTTP
// ---------------------------------------------------------------------------------------------

describe('Slack emulator with a real Bolt app over HTTP', () => {
  it('runs command -> modal -> field errors -> submit -> message -> button -> thread reply', async () => {
    const emu = await startEmulator();
    await startHttpApp(emu, registerDraftFlow);

    const command = await emu.slashCommand({ command: '/post', text: '', userId: USER, channelId: CHANNEL });
    expect(command).toMatchObject({ status: 200, body: undefined });
    const modal = await emu.waitFor(() => emu.lastViewFor(USER), { what: 'the modal' });
    expect(modal).toMatchObject({ type: 'modal', callback_id: 'draft_modal', private_metadata: CHANNEL });
    expect(emu.callsTo('views.open')[0]?.args.trigger_id).toBe(emu.deliveries[0]?.payload?.trigger_id);

    const tooShort = await emu.submitView({
      userId: USER,
      viewId: modal.id,
      values: { copy: { text: { type: 'plain_text_input', value: 'short' } } },
    });
    expect(tooShort).toMatchObject({ status: 200, body: { response_action: 'errors', errors: { copy: 'Write at least 10 characters' } } });
    expect(emu.openModals(USER).map((v) => v.id)).toEqual([modal.id]);

    const saved = await emu.submitView({
      userId: USER,
      viewId: modal.id,
      values: {
        copy: { text: { type: 'plain_text_input', value: 'Launch day is Monday' } },
        networks: { picked: { type: 'checkboxes', selected_options: [{ value: 'bluesky' }] } },
      },
    });
    expect(saved).toMatchObject({ status: 200, body: undefined });
    expect(emu.openModals(USER)).toEqual([]);
    const submittedState = (emu.deliveries.at(-1)?.payload?.view as { state: Json }).state;
    expect(submittedState).toEqual({
      values: {
        copy: { text: { type: 'plain_text_input', value: 'Launch day is Monday' } },
        networks: { picked: { type: 'checkboxes', selected_options: [{ text: { type: 'plain_text', text: 'Bluesky' }, value: 'bluesky' }] } },
      },
    });

    const draft = await emu.waitFor(() => emu.channelMessages(CHANNEL).find((m) => m.text.startsWith('Draft:')), { what: 'the draft message' });
    expect(draft.text).toBe('Draft: Launch day is Monday');
    expect(draft.blocks?.[0]?.block_id).toEqual(expect.any(String)); // Slack fills in missing block ids

    const click = await emu.clickButton({ userId: USER, channelId: CHANNEL, messageTs: draft.ts, actionId: 'approve' });
    expect(click.status).toBe(200);
    const clickPayload = emu.deliveries.at(-1)?.payload as Json;
    expect(clickPayload).toMatchObject({
      type: 'block_actions',
      container: { type: 'message', message_ts: draft.ts, channel_id: CHANNEL, is_ephemeral: false },
      message: { ts: draft.ts, blocks: draft.blocks },
      actions: [{ type: 'button', action_id: 'approve', block_id: 'review', value: 'draft-1' }],
    });

    const replies = await emu.waitFor(() => emu.threadReplies(CHANNEL, draft.ts)[0], { what: 'the thread reply' });
    expect(replies.text).toBe(`Approved by <@${USER}>`);
    expect(emu.channelMessages(CHANNEL)).toHaveLength(1);
    expect(emu.channelMessages(CHANNEL)[0]).toMatchObject({ reply_count: 1, latest_reply: replies.ts });
    expect(emu.requests.map((r) => r.method)).toEqual(['auth.test', 'views.open', 'chat.postMessage', 'chat.postMessage']);
    expect(emu.ackRejections).toEqual([]);
  });

  it('a redelivered command carries the used trigger_id, so views.open answers exchanged_trigger_id', async () => {
    const emu = await startEmulator();
    await startHttpApp(emu, registerDraftFlow);
    const first = await emu.slashCommand({ command: '/post', text: '', userId: USER, channelId: CHANNEL });
    await emu.waitFor(() => emu.callsTo('views.open')[0]);

    const retry = await emu.redeliver(first.deliveryId, { retryNum: 1, retryReason: 'http_timeout' });
    expect(retry.status).toBe(200);
    expect(emu.deliveries.at(-1)?.headers).toMatchObject({ 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' });
    const second = await emu.waitFor(() => emu.callsTo('views.open')[1]);
    expect(second.response).toEqual({ ok: false, error: 'exchanged_trigger_id' });
  });

  it('respond() through response_url shows an ephemeral reply; replace_original edits the message', async () => {
    const emu = await startEmulator();
    await startHttpApp(emu, (app) => {
      app.command('/post', async ({ ack, respond }) => {
        await ack();
        await respond({ text: 'Only you can see this' });
      });
      app.action('approve', async ({ ack, respond }) => {
        await ack();
        await respond({ replace_original: true, text: 'Approved', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'Approved' } }] });
      });
    });
    await emu.slashCommand({ command: '/post', text: 'x', userId: USER, channelId: CHANNEL });
    const ephemeral = await emu.waitFor(() => emu.ephemerals(USER)[0]);
    expect(ephemeral).toMatchObject({ channel: CHANNEL, text: 'Only you can see this', source: 'response_url' });

    const posted = await webClient(emu).chat.postMessage({ channel: CHANNEL, text: 'Draft', blocks: draftBlocks('Draft') });
    await emu.clickButton({ userId: USER, channelId: CHANNEL, messageTs: posted.ts as string, actionId: 'approve' });
    const edited = await emu.waitFor(() => emu.channelMessages(CHANNEL).find((m) => m.edited !== undefined));
    expect(edited).toMatchObject({ ts: posted.ts, text: 'Approved' });
    expect(emu.responses.map((r) => [r.kind, r.status])).toEqual([
      ['command', 200],
      ['action', 200],
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// (2) Request signing, checked by Bolt's HTTPReceiver
// ---------------------------------------------------------------------------------------------

describe('Slack emulator request signing', () => {
  it('Bolt accepts the signed request and rejects tampered, stale and unsigned ones with 401', async () => {
    const emu = await startEmulator();
    let handled = 0;
    await startHttpApp(emu, (app) => {
      app.command('/post', async ({ ack }) => {
        handled += 1;
        await ack();
      });
    });
    const genuine = await emu.slashCommand({ command: '/post', text: 'hello', userId: USER, channelId: CHANNEL });
    expect(genuine.status).toBe(200);
    const original = emu.deliveries[0];
    const body = original?.rawBody as string;
    const headers = original?.headers as Record<string, string>;

    const tampered = await emu.sendRaw({
      body: body.replace('text=hello', 'text=evil'),
      timestamp: headers['x-slack-request-timestamp'],
      signature: headers['x-slack-signature'],
    });
    expect(tampered.status).toBe(401);

    const sixMinutesAgo = Math.floor(Date.now() / 1000) - 6 * 60;
    const stale = await emu.sendRaw({ body, timestamp: sixMinutesAgo }); // correctly signed, but old
    expect(stale.status).toBe(401);

    expect((await emu.sendRaw({ body, signature: null })).status).toBe(401);
    expect((await emu.sendRaw({ body, signature: 'v1=abc' })).status).toBe(401);
    expect(handled).toBe(1);

    // The trap from PLATFORMS 1.2: a charset suffix makes Bolt JSON.parse a form body.
    const withCharset = await emu.sendRaw({ body, contentType: 'application/x-www-form-urlencoded; charset=utf-8' });
    expect(withCharset.status).toBe(400);
    expect(handled).toBe(1);
  });
});

// ---------------------------------------------------------------------------------------------
// (3) Web API faults as WebClient sees them
// ---------------------------------------------------------------------------------------------

describe('Slack emulator Web API faults', () => {
  it('429 with Retry-After: WebClient waits and retries; one message results', async () => {
    const emu = await startEmulator();
    const client = webClient(emu, { retryConfig: webApi.retryPolicies.rapidRetryPolicy });
    const rateLimited: number[] = [];
    client.on(webApi.WebClientEvent.RATE_LIMITED, (seconds: number) => rateLimited.push(seconds));
    emu.failNext('chat.postMessage', { status: 429, retryAfterSeconds: 1 });

    const started = performance.now();
    const result = await client.chat.postMessage({ channel: CHANNEL, text: 'hello' });
    const elapsed = performance.now() - started;

    expect(result.ok).toBe(true);
    expect(elapsed).toBeGreaterThanOrEqual(950);
    expect(rateLimited).toEqual([1]);
    expect(emu.callsTo('chat.postMessage').map((c) => [c.status, c.response.error])).toEqual([
      [429, 'ratelimited'],
      [200, undefined],
    ]);
    expect(emu.channelMessages(CHANNEL)).toHaveLength(1);
  });

  it('platform errors, HTTP errors, a lost reply after the effect, and auth failures', async () => {
    const emu = await startEmulator();
    const client = webClient(emu, { retryConfig: { retries: 0 } });

    emu.failNext('chat.postMessage', { error: 'channel_not_found' });
    await expect(client.chat.postMessage({ channel: CHANNEL, text: 'x' })).rejects.toMatchObject({
      code: webApi.ErrorCode.PlatformError,
      data: { ok: false, error: 'channel_not_found' },
    });
    emu.failNext('chat.postMessage', { status: 500, afterEffect: true });
    await expect(client.chat.postMessage({ channel: CHANNEL, text: 'posted anyway' })).rejects.toMatchObject({
      code: webApi.ErrorCode.HTTPError,
      statusCode: 500,
    });
    expect(emu.channelMessages(CHANNEL).map((m) => m.text)).toEqual(['posted anyway']);

    await expect(client.chat.postMessage({ channel: 'C0NOWHERE00', text: 'x' })).rejects.toMatchObject({ data: { error: 'channel_not_found' } });
    await expect(client.apiCall('chat.fly', {})).rejects.toMatchObject({ data: { error: 'unknown_method' } });
    await expect(webClient(emu).auth.test({ token: 'not-a-token' })).rejects.toMatchObject({ data: { error: 'invalid_auth' } });
    emu.setTokenRevoked(true);
    await expect(client.auth.test()).rejects.toMatchObject({ data: { error: 'token_revoked' } });
  });

  it('accepts JSON bodies with a bearer token, and checks trigger ids', async () => {
    const emu = await startEmulator({ triggerTtlMs: 50 });
    const post = (method: string, body: Json, token = emu.botToken): Promise<Json> =>
      fetch(`${emu.apiUrl}${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8', authorization: `Bearer ${token}` },
        body: JSON.stringify(body),
      }).then((r) => r.json() as Promise<Json>);

    const posted = await post('chat.postMessage', { channel: CHANNEL, text: 'as JSON', blocks: draftBlocks('as JSON') });
    expect(posted).toMatchObject({ ok: true, channel: CHANNEL, message: { text: 'as JSON' } });
    const reply = await post('chat.postMessage', { channel: CHANNEL, text: 'in thread', thread_ts: posted.ts });
    expect(Number(reply.ts)).toBeGreaterThan(Number(posted.ts));
    expect(emu.threadReplies(CHANNEL, posted.ts as string).map((m) => m.text)).toEqual(['in thread']);
    expect(await post('apps.connections.open', {})).toEqual({ ok: false, error: 'not_allowed_token_type' });

    const view = draftModal(CHANNEL);
    expect(await post('views.open', { trigger_id: 'made-up', view })).toMatchObject({ error: 'invalid_trigger_id' });
    const trigger = emu.issueTrigger(USER);
    expect(await post('views.open', { trigger_id: trigger, view })).toMatchObject({ ok: true });
    expect(await post('views.open', { trigger_id: trigger, view })).toMatchObject({ error: 'exchanged_trigger_id' });
    const late = emu.issueTrigger(USER);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(await post('views.open', { trigger_id: late, view })).toMatchObject({ error: 'expired_trigger_id' });
    const longTitle = { ...view, title: { type: 'plain_text', text: 'A title longer than twenty-four' } };
    expect(await post('views.open', { trigger_id: emu.issueTrigger(USER), view: longTitle })).toMatchObject({
      ok: false,
      error: 'invalid_arguments',
      response_metadata: { messages: ['[ERROR] must be less than 25 characters [json-pointer:/view/title/text]'] },
    });
    // file_input (issue 14): 1 to 10 files, extensions without a dot, in a modal's input block only.
    const withFiles = (element: Json) => ({
      ...view,
      blocks: [
        { type: 'input', block_id: 'files', label: { type: 'plain_text', text: 'Images' }, element: { type: 'file_input', action_id: 'value', ...element } },
      ],
    });
    expect(await post('views.open', { trigger_id: emu.issueTrigger(USER), view: withFiles({ max_files: 10, filetypes: ['png', 'jpg'] }) })).toMatchObject({
      ok: true,
    });
    expect(await post('views.open', { trigger_id: emu.issueTrigger(USER), view: withFiles({ max_files: 11 }) })).toMatchObject({
      error: 'invalid_arguments',
      response_metadata: { messages: ['[ERROR] max_files must be between 1 and 10 [json-pointer:/view/blocks/0/element/max_files]'] },
    });
    expect(await post('views.open', { trigger_id: emu.issueTrigger(USER), view: withFiles({ filetypes: ['.png'] }) })).toMatchObject({
      error: 'invalid_arguments',
    });
  });

  it('serves a shared file only with a bot token of its team, and says a deleted one is gone', async () => {
    const emu = await startEmulator();
    const file = emu.shareFile({ userId: USER, name: 'a.png', bytes: Buffer.from([9, 8, 7]), mimetype: 'image/png', width: 1, height: 1 });
    expect(file).toMatchObject({ name: 'a.png', mimetype: 'image/png', filetype: 'png', size: 3, original_w: 1, channels: [] });
    const url = String(file.url_private_download);
    const withToken = await fetch(url, { headers: { authorization: `Bearer ${emu.botToken}` } });
    expect([withToken.status, Buffer.from(await withToken.arrayBuffer()).toJSON().data]).toEqual([200, [9, 8, 7]]);
    const wrong = await fetch(url, { headers: { authorization: 'Bearer token-never-issued' }, redirect: 'manual' });
    expect(wrong.status).toBe(302);
    emu.userFiles.delete(String(file.id));
    expect((await fetch(url, { headers: { authorization: `Bearer ${emu.botToken}` } })).status).toBe(404);
  });
});

// ---------------------------------------------------------------------------------------------
// (4) Socket Mode with the real Bolt app
// ---------------------------------------------------------------------------------------------

describe('Slack emulator Socket Mode', () => {
  it('delivers a slash command and a button click as envelopes and returns the acks', async () => {
    const emu = await startEmulator({ socketPingIntervalMs: 50 });
    emu.setTransport('socket');
    const app = new App({
      token: emu.botToken,
      appToken: emu.appToken,
      socketMode: true,
      clientOptions: { slackApiUrl: emu.apiUrl },
      logger: silentLogger,
    });
    app.command('/post', async ({ ack }) => {
      await ack({ response_type: 'ephemeral', text: 'Draft started' });
    });
    app.action('approve', async ({ ack, body, client }) => {
      await ack();
      if (body.type !== 'block_actions' || body.channel === undefined || body.message === undefined) return;
      await client.chat.postMessage({ channel: body.channel.id, thread_ts: body.message.ts, text: 'Approved' });
    });
    await app.start();
    cleanups.push(() => app.stop());
    expect(emu.socketConnectionCount).toBe(1);

    const command = await emu.slashCommand({ command: '/post', text: 'hi', userId: USER, channelId: CHANNEL });
    expect(command).toMatchObject({ status: 200, body: { response_type: 'ephemeral', text: 'Draft started' } });
    expect(emu.ephemerals(USER)).toMatchObject([{ text: 'Draft started', source: 'ack' }]);
    expect(emu.socketLog.sent[0]).toMatchObject({ type: 'slash_commands', payload: { command: '/post', text: 'hi' } });

    const posted = await webClient(emu).chat.postMessage({ channel: CHANNEL, text: 'Draft', blocks: draftBlocks('Draft') });
    const click = await emu.clickButton({ userId: USER, channelId: CHANNEL, messageTs: posted.ts as string, actionId: 'approve' });
    expect(click).toMatchObject({ status: 200, body: undefined });
    await emu.waitFor(() => emu.threadReplies(CHANNEL, posted.ts as string)[0]);
    await emu.waitFor(() => emu.socketLog.pongs > 0, { what: 'a pong to our ping' });
  });

  it('keeps the connection alive with pings and reconnects on a disconnect message', async () => {
    const emu = await startEmulator({ socketPingIntervalMs: 50 });
    emu.setTransport('socket');
    const receiver = new SocketModeReceiver({
      appToken: emu.appToken,
      clientPingTimeout: 300,
      serverPingTimeout: 400, // the client drops the socket if our pings stop for this long
      installerOptions: { clientOptions: { slackApiUrl: emu.apiUrl } },
      logger: silentLogger,
    });
    const app = new App({ token: emu.botToken, receiver, clientOptions: { slackApiUrl: emu.apiUrl }, logger: silentLogger });
    app.command('/post', async ({ ack }) => ack());
    await app.start();
    cleanups.push(() => app.stop());

    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(emu.callsTo('apps.connections.open')).toHaveLength(1);
    expect(emu.socketConnectionCount).toBe(1);

    emu.requestSocketReconnect();
    await emu.waitFor(() => emu.callsTo('apps.connections.open').length === 2 && emu.socketConnectionCount === 1, {
      timeoutMs: 3000,
      what: 'the client to reconnect',
    });
    const command = await emu.slashCommand({ command: '/post', text: '', userId: USER, channelId: CHANNEL });
    expect(command.status).toBe(200);
  });
});

// ---------------------------------------------------------------------------------------------
// (5) Success responses against Slack's official OpenAPI (Swagger 2.0) spec
// ---------------------------------------------------------------------------------------------

type Schema = { [key: string]: unknown };

/**
 * Slack's spec (Swagger 2.0, generated by Slack in 2021) writes a union as `items: [a, b]`: on a
 * schema that is not an array (`tz`, `bot_id`, a reply's messages) it means "one of a, b"; on an
 * array (`pins.list`'s items) "each item is one of a, b". JSON Schema reads `items: [...]` as a tuple,
 * which checks nothing on a non-array, so the unions are rewritten as `anyOf` before Ajv compiles the
 * spec. Nothing else of the spec changes here.
 */
function slackUnions(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(slackUnions);
  if (node === null || typeof node !== 'object') return node;
  const out = Object.fromEntries(Object.entries(node).map(([k, v]) => [k, slackUnions(v)])) as Schema;
  if (!Array.isArray(out.items)) return out;
  const { items, ...rest } = out;
  return rest.type === 'array' ? { ...rest, items: { anyOf: items } } : { ...rest, anyOf: items };
}

const REPLIES = '#/paths/~1conversations.replies/get/responses/200/schema';
/** The message metadata Slack returns with include_all_metadata (https://api.slack.com/metadata/using). */
const MESSAGE_METADATA = {
  type: 'object',
  properties: { event_type: { type: 'string' }, event_payload: { type: 'object' } },
  required: ['event_type', 'event_payload'],
  additionalProperties: false,
};
/** An app's message carries these (https://api.slack.com/methods/conversations.replies, example response). */
const APP_MESSAGE_FIELDS = {
  bot_id: { $ref: '#/definitions/defs_bot_id' },
  bot_profile: { $ref: '#/definitions/objs_bot_profile' },
  blocks: { $ref: '#/definitions/blocks' },
  metadata: MESSAGE_METADATA,
};

/**
 * Where the frozen 2021 spec contradicts what Slack actually returns, corrected in the loaded spec
 * (JSON pointers into it after `slackUnions`; each replaces one node):
 * - chat.update's message.blocks is typed "object", but Slack answers with the blocks array, as in
 *   every other message object (and our own spec-valid chat.postMessage for the same message).
 * - conversations.replies predates message metadata (2022) and lists no fields of an app's message
 *   (bot_id, bot_profile, blocks), nor the response_metadata its own example carries for the cursor;
 *   `subscribed` (a person's thread subscription, which the emulator does not model) is not required,
 *   but still checked when present.
 */
const SPEC_ERRATA: Record<string, Schema> = {
  '#/paths/~1chat.update/post/responses/200/schema/properties/message/properties/blocks': { $ref: '#/definitions/blocks' },
  [`${REPLIES}/properties/response_metadata`]: { $ref: '#/definitions/objs_response_metadata' },
  ...Object.fromEntries(
    [0, 1].flatMap((i) =>
      Object.entries(APP_MESSAGE_FIELDS).map(([name, schema]) => [`${REPLIES}/properties/messages/items/anyOf/${i}/properties/${name}`, schema]),
    ),
  ),
  [`${REPLIES}/properties/messages/items/anyOf/0/required`]: ['type', 'user', 'text', 'thread_ts', 'reply_count', 'ts'] as unknown as Schema,
};

describe('Slack emulator success responses match the official spec', () => {
  const spec = slackUnions(JSON.parse(readFileSync(SPEC_PATH, 'utf8'))) as {
    paths: Record<string, Record<string, Schema>>;
    definitions: Record<string, Schema>;
  };
  /** Ajv over the whole spec (test/helpers/spec-validator.ts), with the errata above. */
  const validator = specValidator(spec as unknown as Schema, SPEC_ERRATA);

  /** The JSON pointer of a method's success schema, or undefined when the spec does not describe it. */
  function successSchema(method: string): string | undefined {
    const [verb, operation] = Object.entries(spec.paths[`/${method}`] ?? {})[0] ?? [];
    return (operation as { responses?: Record<string, unknown> } | undefined)?.responses?.['200']
      ? `#/paths/~1${method}/${verb}/responses/200/schema`
      : undefined;
  }

  function check(method: string, body: Json): string[] {
    const schema = successSchema(method);
    if (schema === undefined) throw new Error(`${method} is not in the spec`);
    return validator.validate(schema, body);
  }

  it('validates every served method that the spec describes', async () => {
    const emu = await startEmulator();
    emu.addUserGroup({ id: 'S0REVIEWERS', handle: 'reviewers', users: [USER] });
    const call = async (method: string, args: Json): Promise<Json> => {
      const response = await fetch(`${emu.apiUrl}${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${emu.botToken}` },
        body: new URLSearchParams(Object.entries(args).map(([k, v]): [string, string] => [k, typeof v === 'string' ? v : JSON.stringify(v)])).toString(),
      });
      return (await response.json()) as Json;
    };

    const responses = new Map<string, Json[]>();
    const record = async (method: string, args: Json): Promise<Json> => {
      const body = await call(method, args);
      expect(body, `${method} should succeed`).toMatchObject({ ok: true });
      responses.set(method, [...(responses.get(method) ?? []), body]);
      return body;
    };
    const parent = await record('chat.postMessage', { channel: CHANNEL, text: 'Draft', blocks: draftBlocks('Draft') });
    await record('chat.postMessage', {
      channel: CHANNEL,
      text: 'reply',
      thread_ts: parent.ts,
      metadata: { event_type: 'greenlight_receipt', event_payload: { key: 'r1' } },
    });
    const replies = await record('conversations.replies', { channel: CHANNEL, ts: parent.ts, include_all_metadata: 'true' });
    expect((replies.messages as Json[]).map((m) => m.metadata)).toEqual([undefined, { event_type: 'greenlight_receipt', event_payload: { key: 'r1' } }]);
    const plain = await record('conversations.replies', { channel: CHANNEL, ts: parent.ts });
    expect((plain.messages as Json[]).map((m) => m.text)).toEqual(['Draft', 'reply']);
    expect(
      (plain.messages as Json[]).some((m) => 'metadata' in m),
      'metadata only with include_all_metadata',
    ).toBe(false);
    const first = await call('conversations.replies', { channel: CHANNEL, ts: parent.ts, limit: '1' });
    const second = await call('conversations.replies', { channel: CHANNEL, ts: parent.ts, limit: '1', cursor: (first.response_metadata as Json).next_cursor });
    expect([first, second].map((p) => [(p.messages as Json[])[0]!.text, p.has_more])).toEqual([
      ['Draft', true],
      ['reply', false],
    ]);
    await record('chat.update', { channel: CHANNEL, ts: parent.ts, text: 'Edited', blocks: draftBlocks('Edited') });
    await record('chat.postEphemeral', { channel: CHANNEL, user: USER, text: 'psst' });
    await record('chat.getPermalink', { channel: CHANNEL, message_ts: parent.ts });
    const opened = await record('views.open', { trigger_id: emu.issueTrigger(USER), view: draftModal(CHANNEL) });
    await record('views.push', { trigger_id: emu.issueTrigger(USER), view: draftModal(CHANNEL) });
    await record('views.update', { view_id: (opened.view as Json).id, view: draftModal(CHANNEL) });
    await record('views.publish', { user_id: USER, view: { type: 'home', blocks: draftBlocks('Home') } });
    await record('users.info', { user: USER });
    await record('users.info', { user: emu.botUserId });
    await record('usergroups.users.list', { usergroup: 'S0REVIEWERS' });
    await record('conversations.info', { channel: CHANNEL });
    await record('auth.test', {});
    await record('chat.delete', { channel: CHANNEL, ts: parent.ts });
    await record('oauth.v2.access', {
      client_id: emu.oauth.clientId,
      client_secret: emu.oauth.clientSecret,
      code: await consentCode(emu, emu.teamId, USER),
      redirect_uri: REDIRECT,
    });

    const inSpec = emu.servedMethods().filter((m) => successSchema(m) !== undefined);
    expect([...responses.keys()].sort(), 'every served method in the spec needs a call above').toEqual(inSpec.sort());
    for (const [method, bodies] of responses) {
      for (const body of bodies) expect(check(method, body), method).toEqual([]);
    }

    // The check can fail: drop or break required fields and it must complain.
    const posted = responses.get('chat.postMessage')?.[0] as Json;
    const { ok: _ok, ...withoutOk } = posted;
    const { ts: _ts, ...withoutTs } = posted;
    expect(check('chat.postMessage', withoutOk)).toContain("/: must have required property 'ok'");
    expect(check('chat.postMessage', withoutTs)).toContain("/: must have required property 'ts'");
    expect(check('chat.postMessage', { ...posted, ts: '1732345678' })).not.toEqual([]);
    expect(check('chat.postMessage', { ...posted, message: { ...(posted.message as Json), text: 7 } })).not.toEqual([]);
    const user = responses.get('users.info')?.[0] as Json;
    expect(check('users.info', { ...user, user: { ...(user.user as Json), tz_offset: '3600' } })).not.toEqual([]);
    // Inside the unions too: a reply's messages are one of two shapes, each with its required fields.
    const thread = responses.get('conversations.replies')?.[0] as Json;
    const [head, reply] = thread.messages as Json[];
    const { ts: _headTs, ...headWithoutTs } = head!;
    expect(check('conversations.replies', { ...thread, messages: [headWithoutTs, reply] })).not.toEqual([]);
    expect(check('conversations.replies', { ...thread, messages: [head, { ...reply, bot_id: 'not a bot id' }] })).not.toEqual([]);
    expect(check('conversations.replies', { ...thread, messages: [head, { ...reply, metadata: { event_type: 'x' } }] })).not.toEqual([]);
    // And the errata are needed: the spec as published refuses what Slack returns.
    const published = specValidator(spec as unknown as Schema);
    expect(published.validate(successSchema('conversations.replies')!, thread)).not.toEqual([]);
    expect(published.validate(successSchema('chat.update')!, responses.get('chat.update')![0])).not.toEqual([]);
  });
});

const REDIRECT = 'https://greenlight.example/slack/oauth_redirect';

/** Goes through the consent page as the signed-in user and returns the code it redirects with. */
async function consentCode(emu: SlackEmulator, teamId: string, userId: string, scope = 'commands,chat:write'): Promise<string> {
  emu.oauth.redirectUrls = [REDIRECT];
  emu.oauth.signIn({ teamId, userId });
  const query = new URLSearchParams({ client_id: emu.oauth.clientId, scope, redirect_uri: REDIRECT, state: 'st-1' });
  const res = await fetch(`${emu.origin}/oauth/v2/authorize?${query}`, { redirect: 'manual' });
  expect(res.status).toBe(302);
  const back = new URL(res.headers.get('location')!);
  expect(`${back.origin}${back.pathname}`).toBe(REDIRECT);
  expect(back.searchParams.get('state')).toBe('st-1');
  return back.searchParams.get('code')!;
}

describe('Slack emulator: OAuth v2 installs and several workspaces', () => {
  const form = (args: Record<string, string>) => ({
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(args).toString(),
  });
  const api = async (emu: SlackEmulator, method: string, args: Record<string, string>, token?: string) =>
    (await (
      await fetch(`${emu.apiUrl}${method}`, { ...form(args), headers: { ...form(args).headers, ...(token ? { authorization: `Bearer ${token}` } : {}) } })
    ).json()) as Json;

  it("trades a code once for the team's bot token, in Slack's shape, and refuses bad client credentials", async () => {
    const emu = await startEmulator();
    emu.addTeam({ id: 'T0OTHER', name: 'Other Team' });
    emu.addUser({ id: 'U0OTHER01', name: 'oscar', tz: 'UTC', teamId: 'T0OTHER' });
    const code = await consentCode(emu, 'T0OTHER', 'U0OTHER01');
    const creds = { client_id: emu.oauth.clientId, client_secret: emu.oauth.clientSecret, redirect_uri: REDIRECT };
    expect(await api(emu, 'oauth.v2.access', { ...creds, client_secret: 'wrong', code })).toEqual({ ok: false, error: 'bad_client_secret' });
    expect(await api(emu, 'oauth.v2.access', { ...creds, client_id: '1.2', code })).toEqual({ ok: false, error: 'invalid_client_id' });
    const granted = await api(emu, 'oauth.v2.access', { ...creds, code });
    expect(granted).toMatchObject({
      ok: true,
      token_type: 'bot',
      scope: 'commands,chat:write',
      bot_user_id: emu.botUserId,
      app_id: emu.appId,
      team: { id: 'T0OTHER', name: 'Other Team' },
      is_enterprise_install: false,
      authed_user: { id: 'U0OTHER01' },
    });
    expect(granted.access_token).toBe(emu.botTokenOf('T0OTHER'));
    expect(await api(emu, 'oauth.v2.access', { ...creds, code })).toEqual({ ok: false, error: 'invalid_code' });
    expect(await api(emu, 'auth.test', {}, String(granted.access_token))).toMatchObject({ ok: true, team_id: 'T0OTHER', team: 'Other Team' });
  });

  it('answers a cancelled consent with error=access_denied, and an unknown redirect URI with an error page', async () => {
    const emu = await startEmulator();
    emu.oauth.redirectUrls = [REDIRECT];
    emu.oauth.signIn({ teamId: emu.teamId, userId: USER });
    emu.oauth.denyNext();
    const denied = await fetch(`${emu.origin}/oauth/v2/authorize?${new URLSearchParams({ client_id: emu.oauth.clientId, scope: 'commands', state: 's' })}`, {
      redirect: 'manual',
    });
    expect(new URL(denied.headers.get('location')!).searchParams.get('error')).toBe('access_denied');
    const elsewhere = await fetch(
      `${emu.origin}/oauth/v2/authorize?${new URLSearchParams({ client_id: emu.oauth.clientId, scope: 'commands', redirect_uri: 'https://evil.example/cb' })}`,
      { redirect: 'manual' },
    );
    expect(elsewhere.status).toBe(400);
  });

  it("lets a team's token see only that team's channels, users and triggers", async () => {
    const emu = await startEmulator();
    emu.addTeam({ id: 'T0OTHER', name: 'Other Team' });
    emu.addUser({ id: 'U0OTHER01', name: 'oscar', tz: 'UTC', teamId: 'T0OTHER' });
    emu.addChannel({ id: 'C0OTHER', name: 'other', teamId: 'T0OTHER' });
    const code = await consentCode(emu, 'T0OTHER', 'U0OTHER01');
    const other = String(
      (await api(emu, 'oauth.v2.access', { client_id: emu.oauth.clientId, client_secret: emu.oauth.clientSecret, code, redirect_uri: REDIRECT })).access_token,
    );
    expect(await api(emu, 'chat.postMessage', { channel: CHANNEL, text: 'x' }, other)).toEqual({ ok: false, error: 'channel_not_found' });
    expect(await api(emu, 'chat.postMessage', { channel: 'C0OTHER', text: 'x' }, emu.botToken)).toEqual({ ok: false, error: 'channel_not_found' });
    expect(await api(emu, 'users.info', { user: USER }, other)).toEqual({ ok: false, error: 'user_not_found' });
    expect(await api(emu, 'views.open', { trigger_id: emu.issueTrigger(USER), view: JSON.stringify(draftModal(CHANNEL)) }, other)).toEqual({
      ok: false,
      error: 'invalid_trigger_id',
    });
    expect(await api(emu, 'chat.postMessage', { channel: 'C0OTHER', text: 'x' }, other)).toMatchObject({ ok: true, message: { team: 'T0OTHER' } });
  });
});
