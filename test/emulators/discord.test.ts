import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  Client,
  DiscordAPIError,
  Events,
  GatewayIntentBits,
  LabelBuilder,
  ModalBuilder,
  REST,
  Routes,
  TextInputBuilder,
  TextInputStyle,
  type Interaction,
} from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { DiscordEmulator, type Json, type StartOptions } from '../../emulators/discord.ts';
import { specValidator } from '../helpers/spec-validator.ts';
import { specPath } from '../helpers/specs.ts';

const GUILD = '1100000000000000001';
const CHANNEL = '1100000000000000002';
const USER = '1100000000000000003';
const OTHER_USER = '1100000000000000004';
const EDITOR_ROLE = '1100000000000000005';
const SPEC_PATH = specPath('discord.openapi.json');

// ---------------------------------------------------------------------------------------------
// Harness: everything started in a test is stopped after it, clients before the emulator.
// ---------------------------------------------------------------------------------------------

const cleanups: Array<() => Promise<unknown> | unknown> = [];

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function startEmulator(options: StartOptions = {}): Promise<DiscordEmulator> {
  const emu = await DiscordEmulator.start(options);
  cleanups.push(() => emu.stop());
  emu.addGuild({ id: GUILD, name: 'Greenlight HQ' });
  emu.addRole({ guildId: GUILD, id: EDITOR_ROLE, name: 'Editors', permissions: '2048' });
  emu.addChannel({ id: CHANNEL, guildId: GUILD, name: 'marketing' });
  emu.addMember({ guildId: GUILD, userId: USER, username: 'alice', roles: [EDITOR_ROLE] });
  emu.addMember({ guildId: GUILD, userId: OTHER_USER, username: 'bob', roles: [] });
  return emu;
}

function restFor(emu: DiscordEmulator): REST {
  const rest = new REST({ api: emu.apiBase }).setToken(emu.botToken);
  cleanups.push(() => {
    rest.clearHashSweeper();
    rest.clearHandlerSweeper();
  });
  return rest;
}

/** Ed25519 public key from the raw 32 bytes the developer portal shows as hex. */
function publicKeyFromHex(hex: string): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(hex, 'hex').toString('base64url') }, format: 'jwk' });
}

type Handler = (interaction: Json) => Json | 'callback' | Promise<Json | 'callback'>;

interface Endpoint {
  /** Interactions that passed the signature check, in order. */
  verified: Json[];
  rejected: number;
}

/**
 * A tiny interactions endpoint, as an app would write it with node:http: verify the signature
 * over the raw bytes, refuse stale timestamps, answer PING, hand the rest to `handle`.
 * `'callback'` means: answer 202 and respond through the callback route instead.
 */
async function startEndpoint(emu: DiscordEmulator, handle: Handler): Promise<Endpoint> {
  const key = publicKeyFromHex(emu.publicKeyHex);
  const endpoint: Endpoint = { verified: [], rejected: 0 };
  const server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void (async () => {
        const body = Buffer.concat(chunks).toString();
        const signature = req.headers['x-signature-ed25519'];
        const timestamp = req.headers['x-signature-timestamp'];
        const fresh = typeof timestamp === 'string' && Math.abs(Date.now() / 1000 - Number(timestamp)) < 300;
        const valid =
          typeof signature === 'string' &&
          /^[0-9a-f]{128}$/.test(signature) &&
          typeof timestamp === 'string' &&
          verify(null, Buffer.from(timestamp + body), key, Buffer.from(signature, 'hex'));
        if (!valid || !fresh) {
          endpoint.rejected += 1;
          res.writeHead(401, { 'content-type': 'text/plain' }).end('invalid request signature');
          return;
        }
        const interaction = JSON.parse(body) as Json;
        endpoint.verified.push(interaction);
        const answer = interaction.type === 1 ? { type: 1 } : await handle(interaction);
        if (answer === 'callback') res.writeHead(202).end();
        else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  emu.setInteractionsUrl(`http://127.0.0.1:${(server.address() as AddressInfo).port}/discord/interactions`);
  return endpoint;
}

function draftModal(): Json {
  return {
    custom_id: 'draft_modal',
    title: 'New post',
    components: [
      { type: 18, label: 'Copy', component: { type: 4, custom_id: 'copy', style: 2, max_length: 2000 } },
      { type: 18, label: 'When', component: { type: 4, custom_id: 'when', style: 1, required: false } },
    ],
  };
}

function approvalCard(postId: string): Json {
  return {
    content: `Draft #${postId} by <@${USER}> needs a decision`,
    embeds: [{ title: 'Launch day!', description: 'We ship at 9:00.', fields: [{ name: 'Networks', value: 'X, LinkedIn' }] }],
    components: [
      {
        type: 1,
        components: [
          { type: 2, style: 3, label: 'Approve', custom_id: `approve:${postId}` },
          { type: 2, style: 4, label: 'Reject', custom_id: `reject:${postId}` },
        ],
      },
    ],
    allowed_mentions: { parse: [] },
  };
}

function textInputs(interaction: Json): Record<string, string> {
  const data = interaction.data as Json;
  const values: Record<string, string> = {};
  for (const wrapper of data.components as Json[]) {
    const inputs = wrapper.type === 18 ? [wrapper.component as Json] : ((wrapper.components as Json[] | undefined) ?? []);
    for (const input of inputs) values[String(input.custom_id)] = String(input.value);
  }
  return values;
}

async function expectDiscordError(promise: Promise<unknown>, status: number, code: number): Promise<DiscordAPIError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DiscordAPIError);
  const apiError = error as DiscordAPIError;
  expect({ status: apiError.status, code: apiError.code }).toEqual({ status, code });
  return apiError;
}

// ---------------------------------------------------------------------------------------------
// 1. HTTP interactions + REST, end to end
// ---------------------------------------------------------------------------------------------

describe('Discord emulator: HTTP interactions with the real @discordjs/rest', () => {
  it('runs command -> modal -> submit -> card with a button and a thread -> click -> follow-up', async () => {
    const emu = await startEmulator();
    const rest = restFor(emu);
    const endpoint = await startEndpoint(emu, (interaction) => {
      const data = interaction.data as Json;
      if (interaction.type === 2 && data.name === 'draft') return { type: 9, data: draftModal() };
      if (interaction.type === 5 && data.custom_id === 'draft_modal') {
        return { type: 4, data: { content: `Draft saved: ${textInputs(interaction).copy}`, flags: 64 } };
      }
      if (interaction.type === 3 && data.custom_id === 'approve:1') {
        const user = (interaction.member as Json).user as Json;
        return { type: 7, data: { content: `Approved by <@${String(user.id)}>`, components: [] } };
      }
      return { type: 4, data: { content: 'unknown', flags: 64 } };
    });

    expect(await emu.verifyEndpoint()).toEqual([]);

    const registered = (await rest.put(Routes.applicationGuildCommands(emu.applicationId, GUILD), {
      body: [{ name: 'draft', description: 'Draft a post', type: 1, options: [{ type: 3, name: 'network', description: 'Where to post' }] }],
    })) as Json[];
    expect(registered).toEqual([expect.objectContaining({ name: 'draft', guild_id: GUILD, application_id: emu.applicationId })]);
    expect(emu.registeredCommands.map((c) => c.name)).toEqual(['draft']);

    // The command opens a modal.
    const command = await emu.command({ name: 'draft', options: { network: 'x' }, userId: USER, guildId: GUILD, channelId: CHANNEL });
    expect(command).toMatchObject({ status: 200, failure: undefined, response: { type: 9 } });
    const sent = endpoint.verified.at(-1) as Json;
    expect(sent).toMatchObject({
      type: 2,
      application_id: emu.applicationId,
      guild_id: GUILD,
      channel_id: CHANNEL,
      channel: { id: CHANNEL, type: 0 },
      member: { user: { id: USER, username: 'alice' }, roles: [EDITOR_ROLE] },
      data: { name: 'draft', type: 1, id: registered[0]?.id, options: [{ name: 'network', type: 3, value: 'x' }] },
      version: 1,
      entitlements: [],
      authorizing_integration_owners: { '0': GUILD },
      context: 0,
    });
    expect(typeof (sent.member as Json).permissions).toBe('string');
    expect(emu.openModal(USER)).toMatchObject({
      custom_id: 'draft_modal',
      components: [
        { type: 18, id: 1, component: { custom_id: 'copy', id: 2 } },
        { type: 18, id: 3, component: { custom_id: 'when', id: 4 } },
      ],
    });

    // The submit arrives with Label wrappers; the app answers with an ephemeral message.
    const submit = await emu.submitModal({ customId: 'draft_modal', values: { copy: 'Launch day!' }, userId: USER, guildId: GUILD, channelId: CHANNEL });
    expect(submit).toMatchObject({ status: 200, failure: undefined, response: { type: 4 } });
    expect((endpoint.verified.at(-1)?.data as Json).components).toEqual([
      { type: 18, id: 1, component: { type: 4, id: 2, custom_id: 'copy', value: 'Launch day!' } },
      { type: 18, id: 3, component: { type: 4, id: 4, custom_id: 'when', value: '' } },
    ]);
    expect(emu.openModal(USER)).toBeUndefined();
    expect(emu.ephemerals(USER)).toEqual([expect.objectContaining({ content: 'Draft saved: Launch day!', flags: 64, channel_id: CHANNEL })]);
    expect(emu.ephemerals(OTHER_USER)).toEqual([]);
    expect(emu.channelMessages(CHANNEL)).toEqual([]);

    // The app posts the approval card and opens its receipts thread over REST.
    const card = (await rest.post(Routes.channelMessages(CHANNEL), { body: approvalCard('1') })) as Json;
    expect(card).toMatchObject({ channel_id: CHANNEL, author: { id: emu.botUserId, bot: true }, mentions: [] });
    const cardId = String(card.id);
    const thread = (await rest.post(Routes.threads(CHANNEL, cardId), { body: { name: 'Draft #1 receipts', auto_archive_duration: 1440 } })) as Json;
    expect(thread).toMatchObject({ id: cardId, type: 11, parent_id: CHANNEL, guild_id: GUILD, name: 'Draft #1 receipts' });
    await expectDiscordError(rest.post(Routes.threads(CHANNEL, cardId), { body: { name: 'again' } }), 400, 160004);
    await rest.post(Routes.channelMessages(cardId), { body: { content: 'Receipts will appear here.' } });

    // A click on Approve updates the card in place.
    const click = await emu.clickButton({ customId: 'approve:1', userId: USER, guildId: GUILD, channelId: CHANNEL, messageId: cardId });
    expect(click).toMatchObject({ status: 200, failure: undefined, response: { type: 7 } });
    expect(endpoint.verified.at(-1)).toMatchObject({ type: 3, data: { custom_id: 'approve:1', component_type: 2 }, message: { id: cardId } });
    const [updated, ...rest_] = emu.channelMessages(CHANNEL);
    expect(rest_).toEqual([]);
    expect(updated).toMatchObject({ id: cardId, content: `Approved by <@${USER}>`, components: [], thread: { id: cardId, message_count: 1 } });
    expect(updated?.edited_timestamp).toEqual(expect.any(String));
    expect(updated?.embeds).toEqual([expect.objectContaining({ type: 'rich', title: 'Launch day!' })]);
    expect(emu.threadMessages(cardId).map((m) => m.content)).toEqual(['Receipts will appear here.']);

    // Follow-ups go through the interaction webhook without the bot token.
    const token = String(click.interaction.token);
    const followUp = (await rest.post(Routes.webhook(emu.applicationId, token), { body: { content: 'Scheduled for 09:00', flags: 64 }, auth: false })) as Json;
    expect(followUp).toMatchObject({ content: 'Scheduled for 09:00', flags: 64, webhook_id: emu.applicationId });
    expect(emu.ephemerals(USER).map((m) => m.content)).toEqual(['Draft saved: Launch day!', 'Scheduled for 09:00']);
    const edited = (await rest.patch(Routes.webhookMessage(emu.applicationId, token, '@original'), {
      body: { content: 'Approved (scheduled)' },
      auth: false,
    })) as Json;
    expect(edited).toMatchObject({ id: cardId, content: 'Approved (scheduled)' });
    expect(emu.callsTo('POST /webhooks/{webhook_id}/{webhook_token}')[0]?.auth).toBe('none');

    // The request log never holds the bot token.
    expect(emu.requests.length).toBeGreaterThan(5);
    expect(emu.requests.every((r) => !('authorization' in r.headers))).toBe(true);
    expect(JSON.stringify(emu.requests)).not.toContain(emu.botToken);
    expect(emu.callsTo('POST /channels/{channel_id}/messages')[0]).toMatchObject({ auth: 'bot', status: 200 });
  });

  it('sends legacy action rows when asked, and keeps a modal open when its submit fails', async () => {
    const emu = await startEmulator();
    let failSubmit = true;
    const endpoint = await startEndpoint(emu, (interaction) => {
      if (interaction.type === 2) {
        return {
          type: 9,
          data: { custom_id: 'legacy', title: 'Old style', components: [{ type: 1, components: [{ type: 4, custom_id: 'copy', label: 'Copy', style: 1 }] }] },
        };
      }
      if (failSubmit) return { type: 9, data: draftModal() }; // a modal cannot answer a modal submit
      return { type: 4, data: { content: `got ${textInputs(interaction).copy}` } };
    });
    await emu.command({ name: 'draft', userId: USER, channelId: CHANNEL });
    const failed = await emu.submitModal({ customId: 'legacy', values: { copy: 'v1' }, userId: USER, channelId: CHANNEL });
    expect(failed.failure).toMatch(/INTERACTION_RESPONSE_TYPE_INVALID|must be one of/);
    expect(emu.openModal(USER)?.custom_id).toBe('legacy');
    expect((endpoint.verified.at(-1)?.data as Json).components).toEqual([{ type: 1, id: 1, components: [{ type: 4, id: 2, custom_id: 'copy', value: 'v1' }] }]);

    failSubmit = false;
    const ok = await emu.submitModal({ customId: 'legacy', values: { copy: 'v2' }, userId: USER, channelId: CHANNEL, format: 'label' });
    expect(ok.failure).toBeUndefined();
    expect((endpoint.verified.at(-1)?.data as Json).components).toEqual([{ type: 18, id: 3, component: { type: 4, id: 2, custom_id: 'copy', value: 'v2' } }]);
    expect(emu.channelMessages(CHANNEL).map((m) => [m.content, m.type])).toEqual([['got v2', 0]]);
    await expect(emu.submitModal({ customId: 'legacy', values: { copy: 'v3' }, userId: USER, channelId: CHANNEL })).rejects.toThrow(/no modal legacy is open/);
  });

  it('delivers select menus and applies a deferred update (type 6) edited through @original', async () => {
    const emu = await startEmulator();
    const rest = restFor(emu);
    const endpoint = await startEndpoint(emu, () => 'callback');
    const card = (await rest.post(Routes.channelMessages(CHANNEL), {
      body: {
        content: 'Pick networks',
        components: [
          {
            type: 1,
            components: [
              {
                type: 3,
                custom_id: 'networks',
                max_values: 2,
                options: [
                  { label: 'X', value: 'x' },
                  { label: 'LinkedIn', value: 'li' },
                  { label: 'Threads', value: 'th' },
                ],
              },
            ],
          },
        ],
      },
    })) as Json;
    expect(card.components).toEqual([{ type: 1, id: 1, components: [expect.objectContaining({ type: 3, id: 2, min_values: 1, max_values: 2 })] }]);
    await expect(
      emu.selectMenu({ customId: 'networks', values: ['x', 'mastodon'], userId: USER, channelId: CHANNEL, messageId: String(card.id) }),
    ).rejects.toThrow(/no option mastodon/);

    const picked = emu.selectMenu({ customId: 'networks', values: ['x', 'li'], userId: USER, channelId: CHANNEL, messageId: String(card.id) });
    const interaction = await emu.waitFor(() => endpoint.verified[0]);
    expect(interaction).toMatchObject({ type: 3, data: { custom_id: 'networks', component_type: 3, values: ['x', 'li'], id: 2 }, message: { id: card.id } });
    await rest.post(Routes.interactionCallback(String(interaction.id), String(interaction.token)), { body: { type: 6 }, auth: false });
    expect((await picked).response).toEqual({ type: 6 });
    expect(emu.channelMessages(CHANNEL)[0]?.edited_timestamp).toBeNull();
    await rest.patch(Routes.webhookMessage(emu.applicationId, String(interaction.token)), {
      body: { content: 'Networks: X, LinkedIn', components: [] },
      auth: false,
    });
    expect(emu.channelMessages(CHANNEL)).toEqual([expect.objectContaining({ id: card.id, content: 'Networks: X, LinkedIn', components: [] })]);
  });

  it('answers the callback route like Discord: 204, with_response, 40060, 10062, 50027', async () => {
    const emu = await startEmulator();
    const rest = restFor(emu);
    const pending: Json[] = [];
    await startEndpoint(emu, (interaction) => {
      pending.push(interaction);
      return 'callback';
    });
    // The app answers 202 and responds via the callback route (deferral, then the follow-up edits the loading message).
    const delivered = emu.command({ name: 'publish', userId: USER, channelId: CHANNEL });
    const interaction = await emu.waitFor(() => pending[0]);
    const id = String(interaction.id);
    const token = String(interaction.token);
    expect(await rest.post(Routes.interactionCallback(id, token), { body: { type: 5 }, auth: false })).toBeInstanceOf(ArrayBuffer);
    const result = await delivered;
    expect(result).toMatchObject({ status: 202, failure: undefined, response: { type: 5 } });
    expect(emu.channelMessages(CHANNEL)).toEqual([expect.objectContaining({ content: '', flags: 128, type: 20 })]);
    await expectDiscordError(rest.post(Routes.interactionCallback(id, token), { body: { type: 4, data: { content: 'twice' } }, auth: false }), 400, 40060);
    await expectDiscordError(
      rest.post(Routes.interactionCallback('1100000000000009999', token), { body: { type: 4, data: { content: 'x' } }, auth: false }),
      404,
      10062,
    );

    const first = (await rest.post(Routes.webhook(emu.applicationId, token), { body: { content: 'Published to X' }, auth: false })) as Json;
    expect(emu.channelMessages(CHANNEL)).toEqual([expect.objectContaining({ id: first.id, content: 'Published to X', flags: 0 })]);
    await rest.post(Routes.webhook(emu.applicationId, token), { body: { content: 'and LinkedIn' }, auth: false });
    expect(emu.channelMessages(CHANNEL).map((m) => m.content)).toEqual(['Published to X', 'and LinkedIn']);

    emu.expireToken(token);
    await expectDiscordError(rest.patch(Routes.webhookMessage(emu.applicationId, token), { body: { content: 'late' }, auth: false }), 401, 50027);

    // No initial response in time: the user sees "This interaction failed", the token is dead.
    const slow = await DiscordEmulator.start({ initialResponseTimeoutMs: 150 });
    cleanups.push(() => slow.stop());
    slow.addGuild({ id: GUILD, name: 'G' });
    slow.addChannel({ id: CHANNEL, guildId: GUILD, name: 'c' });
    slow.addMember({ guildId: GUILD, userId: USER, username: 'alice', roles: [] });
    await startEndpoint(slow, () => 'callback');
    const timedOut = await slow.command({ name: 'publish', userId: USER, channelId: CHANNEL });
    expect(timedOut.failure).toMatch(/no initial response/);
    const slowRest = restFor(slow);
    await expectDiscordError(
      slowRest.post(Routes.interactionCallback(String(timedOut.interaction.id), String(timedOut.interaction.token)), {
        body: { type: 4, data: { content: 'late' } },
        auth: false,
      }),
      404,
      10062,
    );
  });
});

// ---------------------------------------------------------------------------------------------
// 2. Signatures
// ---------------------------------------------------------------------------------------------

describe('Discord emulator: signatures', () => {
  it('reports the 401 of an endpoint that rejects tampered requests, and the 200 of a valid raw body', async () => {
    const emu = await startEmulator();
    const endpoint = await startEndpoint(emu, () => ({ type: 4, data: { content: 'ok', flags: 64 } }));
    const args = { name: 'draft', userId: USER, channelId: CHANNEL };

    const flipped = await emu.command({ ...args, tamper: { signature: 'flip' } });
    expect(flipped).toMatchObject({ status: 401, body: 'invalid request signature', response: undefined, failure: 'the app answered HTTP 401' });
    for (const tamper of [
      { signature: 'wrongKey' as const },
      { signature: 'missing' as const },
      { timestamp: Math.floor(Date.now() / 1000) - 3600 },
      { bodyAfterSigning: '{"type":2,"data":{"name":"admin"}}' },
    ]) {
      expect((await emu.command({ ...args, tamper })).status).toBe(401);
    }
    expect(endpoint.rejected).toBe(5);
    expect(endpoint.verified).toEqual([]);
    expect(emu.deliveries.every((d) => d.tampered)).toBe(true);
    expect(emu.ephemerals(USER)).toEqual([]);

    // Verifying the raw bytes (not re-serialised JSON) accepts Discord's formatting as sent.
    const spaced = JSON.stringify({ ...emu.deliveries[0]?.payload, id: '1100000000000000777' }, null, 2);
    const raw = await emu.command({ ...args, tamper: { rawBody: spaced } });
    expect(raw.status).toBe(200);
    expect(endpoint.verified).toHaveLength(1);

    const good = await emu.command(args);
    expect(good).toMatchObject({ status: 200, failure: undefined });
    expect(emu.ephemerals(USER).map((m) => m.content)).toEqual(['ok', 'ok']);
  });

  it('flags an endpoint that accepts a bad signature', async () => {
    const emu = await startEmulator();
    const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"type":1}'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    emu.setInteractionsUrl(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    expect(await emu.verifyEndpoint()).toEqual(['PING with a bad signature answered 200, not 401']);
  });
});

// ---------------------------------------------------------------------------------------------
// 3. Errors and rate limits through @discordjs/rest
// ---------------------------------------------------------------------------------------------

describe('Discord emulator: REST errors and rate limits', () => {
  it('429 on a channel message route: @discordjs/rest waits and retries', async () => {
    const emu = await startEmulator();
    const rest = restFor(emu);
    const limited: unknown[] = [];
    rest.on('rateLimited', (info) => limited.push(info));
    emu.failNext('POST /channels/{channel_id}/messages', { status: 429, retryAfter: 0.2 });

    const message = (await rest.post(Routes.channelMessages(CHANNEL), { body: { content: 'hello' } })) as Json;

    const calls = emu.callsTo('POST /channels/{channel_id}/messages');
    expect(calls.map((c) => c.status)).toEqual([429, 200]);
    expect(calls[0]?.response).toEqual({ message: 'You are being rate limited.', retry_after: 0.2, global: false });
    expect((calls[1]?.at ?? 0) - (calls[0]?.at ?? 0)).toBeGreaterThanOrEqual(200);
    expect(limited).toHaveLength(1);
    expect(emu.channelMessages(CHANNEL).map((m) => m.id)).toEqual([message.id]);
  });

  it('uses Discord headers and shapes for 429, and blocks an early retry', async () => {
    const emu = await startEmulator();
    const url = `${emu.apiBase}/v10/channels/${CHANNEL}/messages`;
    const post = (): Promise<Response> =>
      fetch(url, { method: 'POST', headers: { authorization: `Bot ${emu.botToken}`, 'content-type': 'application/json' }, body: '{"content":"x"}' });
    const ok = await post();
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-ratelimit-limit')).toBe('50');
    expect(ok.headers.get('x-ratelimit-remaining')).toBe('49');
    expect(ok.headers.get('x-ratelimit-bucket')).toMatch(/^[0-9a-f]{32}$/);
    expect(Number(ok.headers.get('x-ratelimit-reset-after'))).toBeGreaterThan(0);

    emu.failNext('POST /channels/{channel_id}/messages', { retryAfter: 0.5 });
    const limited = await post();
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(limited.headers.get('x-ratelimit-scope')).toBe('user');
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(limited.headers.get('x-ratelimit-reset-after')).toBe('0.500');
    expect(await limited.json()).toEqual({ message: 'You are being rate limited.', retry_after: 0.5, global: false });
    // Retrying before the reset is refused again, without a script.
    expect((await post()).status).toBe(429);

    emu.failNext('GET /users/@me', { global: true, retryAfter: 0.1 });
    const global = await fetch(`${emu.apiBase}/v10/users/@me`, { headers: { authorization: `Bot ${emu.botToken}` } });
    expect(global.status).toBe(429);
    expect(global.headers.get('x-ratelimit-global')).toBe('true');
    expect(global.headers.get('x-ratelimit-scope')).toBe('global');
    expect(await global.json()).toEqual({ message: 'You are being rate limited.', retry_after: 0.1, global: true });
  });

  it('answers bad tokens, bad bodies and 5xx as Discord does', async () => {
    const emu = await startEmulator();
    const rest = restFor(emu);

    const stranger = new REST({ api: emu.apiBase, retries: 0 }).setToken('not-the-token');
    cleanups.push(() => {
      stranger.clearHashSweeper();
      stranger.clearHandlerSweeper();
    });
    const unauthorized = await expectDiscordError(stranger.get(Routes.user('@me')), 401, 0);
    expect(unauthorized.rawError).toEqual({ code: 0, message: '401: Unauthorized' });
    expect(emu.requests.at(-1)?.auth).toBe('invalid');

    const tooLong = await expectDiscordError(rest.post(Routes.channelMessages(CHANNEL), { body: { content: 'x'.repeat(2001) } }), 400, 50035);
    expect(tooLong.rawError).toEqual({
      message: 'Invalid Form Body',
      code: 50035,
      errors: { content: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 2000 or fewer in length.' }] } },
    });
    const rows = Array.from({ length: 6 }, (_, i) => ({ type: 1, components: [{ type: 2, style: 1, label: 'b', custom_id: `b${i}` }] }));
    const tooMany = await expectDiscordError(
      rest.post(Routes.channelMessages(CHANNEL), { body: { embeds: Array.from({ length: 11 }, () => ({ title: 't' })), components: rows } }),
      400,
      50035,
    );
    expect(Object.keys((tooMany.rawError as { errors: Json }).errors).sort()).toEqual(['components', 'embeds']);
    const duplicate = await expectDiscordError(
      rest.post(Routes.channelMessages(CHANNEL), {
        body: {
          components: [
            {
              type: 1,
              components: [
                { type: 2, style: 1, label: 'a', custom_id: 'same' },
                { type: 2, style: 1, label: 'b', custom_id: 'same' },
              ],
            },
          ],
        },
      }),
      400,
      50035,
    );
    expect(duplicate.message).toContain('components[0].components[1].custom_id[COMPONENT_CUSTOM_ID_DUPLICATED]');
    await expectDiscordError(rest.post(Routes.channelMessages(CHANNEL), { body: { content: '  ' } }), 400, 50006);
    await expectDiscordError(rest.post(Routes.channelMessages('1100000000000000999'), { body: { content: 'x' } }), 404, 10003);
    await expectDiscordError(rest.get(Routes.guildMember(GUILD, '1100000000000000999')), 404, 10007);
    expect(await rest.get(Routes.guildMember(GUILD, USER))).toMatchObject({ user: { id: USER }, roles: [EDITOR_ROLE] });

    emu.failNext('POST /channels/{channel_id}/messages', { status: 500, times: 2 });
    await rest.post(Routes.channelMessages(CHANNEL), { body: { content: 'after two 500s' } });
    expect(
      emu
        .callsTo('POST /channels/{channel_id}/messages')
        .slice(-3)
        .map((c) => c.status),
    ).toEqual([500, 500, 200]);

    // enforce_nonce: a repeat returns the first message instead of posting twice.
    const a = (await rest.post(Routes.channelMessages(CHANNEL), { body: { content: 'once', nonce: 'post-42', enforce_nonce: true } })) as Json;
    const b = (await rest.post(Routes.channelMessages(CHANNEL), { body: { content: 'once', nonce: 'post-42', enforce_nonce: true } })) as Json;
    expect(b.id).toBe(a.id);
    expect(emu.channelMessages(CHANNEL).filter((m) => m.content === 'once')).toHaveLength(1);

    expect(() => emu.failNext('POST /channels/messages')).toThrow(/no route/);
  });
});

// ---------------------------------------------------------------------------------------------
// 4. Gateway with the real discord.js Client
// ---------------------------------------------------------------------------------------------

describe('Discord emulator: gateway with the real discord.js Client', () => {
  it('logs in, gets READY, and answers INTERACTION_CREATE over the callback route', async () => {
    const emu = await startEmulator({ heartbeatIntervalMs: 250 });
    emu.setTransport('gateway');
    const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: emu.apiBase } });
    cleanups.push(() => client.destroy());
    const errors: unknown[] = [];
    client.on(Events.InteractionCreate, (interaction: Interaction) => {
      void (async () => {
        if (interaction.isChatInputCommand() && interaction.commandName === 'status') {
          await interaction.reply({ content: `Queue: 3 posts on ${interaction.options.getString('network') ?? 'all'}`, ephemeral: true });
        } else if (interaction.isChatInputCommand() && interaction.commandName === 'publish') {
          await interaction.deferReply();
          await interaction.editReply('Published to X');
        } else if (interaction.isChatInputCommand() && interaction.commandName === 'draft') {
          const modal = new ModalBuilder()
            .setCustomId('draft_modal')
            .setTitle('New post')
            .addLabelComponents(
              new LabelBuilder().setLabel('Copy').setTextInputComponent(new TextInputBuilder().setCustomId('copy').setStyle(TextInputStyle.Paragraph)),
            );
          await interaction.showModal(modal);
        } else if (interaction.isModalSubmit()) {
          await interaction.reply({ content: `Saved: ${interaction.fields.getTextInputValue('copy')}` });
        }
      })().catch((error: unknown) => errors.push(error));
    });

    const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
    await client.login(emu.botToken);
    await ready;
    expect(client.user?.id).toBe(emu.botUserId);
    expect(emu.callsTo('GET /gateway/bot')).toHaveLength(1);
    expect(emu.gatewayLog.identifies).toEqual([expect.objectContaining({ intents: GatewayIntentBits.Guilds, shard: [0, 1] })]);
    expect(emu.gatewayLog.readySessions).toBe(1);

    const status = await emu.command({ name: 'status', options: { network: 'x' }, userId: USER, guildId: GUILD, channelId: CHANNEL });
    expect(status).toMatchObject({ status: 204, failure: undefined, body: { type: 4, data: { content: 'Queue: 3 posts on x', flags: 64 } } });
    expect(emu.ephemerals(USER).map((m) => m.content)).toEqual(['Queue: 3 posts on x']);
    const callback = emu.callsTo('POST /interactions/{interaction_id}/{interaction_token}/callback')[0];
    expect(callback).toMatchObject({ auth: 'none', query: { with_response: 'false' }, status: 204 });

    const publish = await emu.command({ name: 'publish', userId: USER, channelId: CHANNEL });
    expect(publish.response).toMatchObject({ type: 5 });
    await emu.waitFor(() => emu.channelMessages(CHANNEL)[0]?.content === 'Published to X', { what: 'the deferred reply edit' });
    expect(emu.channelMessages(CHANNEL)[0]?.flags).toBe(0);

    const draft = await emu.command({ name: 'draft', userId: USER, channelId: CHANNEL });
    expect(draft.response).toMatchObject({ type: 9, data: { custom_id: 'draft_modal' } });
    expect(emu.openModal(USER)?.components).toEqual([
      expect.objectContaining({ type: 18, label: 'Copy', component: expect.objectContaining({ custom_id: 'copy' }) }),
    ]);
    const saved = await emu.submitModal({ customId: 'draft_modal', values: { copy: 'Launch!' }, userId: USER, channelId: CHANNEL });
    expect(saved).toMatchObject({ failure: undefined, body: { type: 4, data: { content: 'Saved: Launch!' } } });

    await emu.waitFor(() => emu.gatewayLog.heartbeats >= 1, { what: 'a heartbeat' });
    expect(emu.gatewayLog.sent.some((f) => f.op === 11)).toBe(true);
    expect(JSON.stringify(emu.gatewayLog)).not.toContain(emu.botToken);
    expect(errors).toEqual([]);
  });

  it('speaks the raw protocol: HELLO, ACK, READY, 4004, 4012 and RESUME with replay', async () => {
    const emu = await startEmulator({ heartbeatIntervalMs: 45_000 });
    const open = async (query = '?v=10&encoding=json'): Promise<{ ws: WebSocket; frames: Json[]; closed: Promise<number> }> => {
      const ws = new WebSocket(`${emu.gatewayUrl}${query}`);
      const frames: Json[] = [];
      ws.on('message', (data) => frames.push(JSON.parse(String(data)) as Json));
      const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
      cleanups.push(() => ws.terminate());
      await new Promise((resolve) => ws.once('open', resolve));
      return { ws, frames, closed };
    };

    emu.setTransport('gateway');
    await expect(emu.command({ name: 'status', userId: USER, channelId: CHANNEL })).rejects.toThrow(/no gateway session/);
    expect(await (await open('?v=9&encoding=json')).closed).toBe(4012);
    const bad = await open();
    await emu.waitFor(() => bad.frames[0]);
    bad.ws.send(JSON.stringify({ op: 2, d: { token: 'nope', intents: 1, properties: {} } }));
    expect(await bad.closed).toBe(4004);

    const first = await open();
    expect(await emu.waitFor(() => first.frames[0])).toEqual({ op: 10, d: expect.objectContaining({ heartbeat_interval: 45_000 }), s: null, t: null });
    first.ws.send(JSON.stringify({ op: 1, d: null }));
    await emu.waitFor(() => first.frames.find((f) => f.op === 11));
    first.ws.send(
      JSON.stringify({ op: 2, d: { token: emu.botToken, intents: 1, properties: { os: 'linux', browser: 'test', device: 'test' }, shard: [0, 1] } }),
    );
    const ready = await emu.waitFor(() => first.frames.find((f) => f.t === 'READY'));
    expect(ready).toMatchObject({
      op: 0,
      s: 1,
      d: { v: 10, guilds: [], user: { id: emu.botUserId, bot: true }, application: { id: emu.applicationId }, shard: [0, 1] },
    });
    const session = (ready.d as Json).session_id;

    // The connection drops; an interaction dispatched meanwhile is replayed after RESUME.
    first.ws.terminate();
    await emu.waitFor(() => emu.gatewayLog.readySessions === 0);
    const delivered = emu.command({ name: 'status', userId: USER, channelId: CHANNEL });

    const second = await open();
    await emu.waitFor(() => second.frames[0]);
    second.ws.send(JSON.stringify({ op: 6, d: { token: emu.botToken, session_id: session, seq: 1 } }));
    await emu.waitFor(() => second.frames.find((f) => f.t === 'RESUMED'));
    expect(second.frames.filter((f) => f.op === 0).map((f) => [f.t, f.s])).toEqual([
      ['INTERACTION_CREATE', 2],
      ['RESUMED', 3],
    ]);
    const interaction = second.frames.find((f) => f.t === 'INTERACTION_CREATE') as Json;
    const d = interaction.d as Json;
    await fetch(`${emu.apiBase}/v10/interactions/${String(d.id)}/${String(d.token)}/callback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 4, data: { content: 'resumed fine' } }),
    });
    expect(await delivered).toMatchObject({ status: 204, failure: undefined });
    expect(emu.gatewayLog.resumes).toBe(1);
    expect(emu.gatewayLog.closeCodes).toEqual([4012, 4004]);

    // A clean close (1000) ends the session: RESUME then gets op 9 (not resumable).
    second.ws.close(1000);
    expect(await second.closed).toBe(1000);
    const third = await open();
    await emu.waitFor(() => third.frames[0]);
    third.ws.send(JSON.stringify({ op: 6, d: { token: emu.botToken, session_id: session, seq: 3 } }));
    expect(await emu.waitFor(() => third.frames.find((f) => f.op === 9))).toMatchObject({ d: false });
  });

  it('refuses a bad token at REST and privileged intents not enabled at the gateway (4014)', async () => {
    const emu = await startEmulator();
    const badToken = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: emu.apiBase } });
    cleanups.push(() => badToken.destroy());
    // discord.js asks GET /gateway/bot first; its 401 becomes TokenInvalid before any WebSocket opens.
    await expect(badToken.login('bm90LWEtdG9rZW4.AAAAAA.bad')).rejects.toThrow(/invalid token/i);
    expect(emu.gatewayLog.identifies).toEqual([]);

    const members = new Client({ intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMembers], rest: { api: emu.apiBase } });
    cleanups.push(() => members.destroy());
    await expect(members.login(emu.botToken)).rejects.toThrow(/disallowed intents/i);
    expect(emu.gatewayLog.closeCodes).toContain(4014);
  });
});

// ---------------------------------------------------------------------------------------------
// 5. Responses against Discord's OpenAPI spec
// ---------------------------------------------------------------------------------------------

type Schema = Record<string, unknown>;

interface Spec {
  paths: Record<string, Record<string, { responses: Record<string, { $ref?: string; content?: { 'application/json': { schema: Schema } } }> }>>;
  components: { schemas: Record<string, Schema>; responses: Record<string, { content: { 'application/json': { schema: Schema } } }> };
}

const spec = JSON.parse(readFileSync(SPEC_PATH, 'utf8')) as Spec;

function resolveRef(ref: string): Schema {
  let node: unknown = spec;
  for (const part of ref.replace(/^#\//, '').split('/')) node = (node as Record<string, unknown> | undefined)?.[part];
  if (node === undefined) throw new Error(`unresolved ${ref}`);
  return node as Schema;
}

function responseSchema(path: string, method: string, status: string): Schema {
  const response = spec.paths[path]?.[method]?.responses[status];
  if (response === undefined) throw new Error(`${method.toUpperCase()} ${path} ${status} is not in the spec`);
  const resolved = response.$ref !== undefined ? (resolveRef(response.$ref) as { content: { 'application/json': { schema: Schema } } }) : response;
  const schema = resolved.content?.['application/json'].schema;
  if (schema === undefined) throw new Error(`${method.toUpperCase()} ${path} ${status} has no JSON body`);
  return schema;
}

/**
 * Spec erratum: field errors under `errors` carry string codes on the wire (`BASE_TYPE_MAX_LENGTH`,
 * which discord.js prints as `content[BASE_TYPE_MAX_LENGTH]`), while the spec reuses the top-level
 * `Error` (integer code) for them.
 */
const FIELD_ERROR_ERRATUM: Record<string, Schema> = {
  '#/components/schemas/InnerErrors': {
    type: 'object',
    properties: {
      _errors: {
        type: 'array',
        items: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } }, required: ['code', 'message'] },
      },
    },
    additionalProperties: false,
    required: ['_errors'],
  },
};

/** Ajv over the whole spec (test/helpers/spec-validator.ts), as published and with the erratum above. */
const asPublished = specValidator(spec as unknown as Schema);
const withErratum = specValidator(spec as unknown as Schema, FIELD_ERROR_ERRATUM);
const validate = (schema: Schema, value: unknown, overrides?: Record<string, Schema>): string[] =>
  (overrides ? withErratum : asPublished).validate(schema, value);

/**
 * Where the spec is stricter than Discord's docs and wire: rate-limit bodies carry `code` only
 * "for some limits" (docs: rate-limits, `code?`), so our 429 body is checked with `code` optional.
 */
function ratelimitedSchemaPerDocs(): Schema {
  return {
    type: 'object',
    properties: { message: { type: 'string' }, code: { type: 'integer' }, retry_after: { type: 'number' }, global: { type: 'boolean' } },
    required: ['message', 'retry_after', 'global'],
  };
}

describe('Discord emulator: responses match discord.openapi.json', () => {
  it('validates message create, thread create, callback with_response and more', async () => {
    const emu = await startEmulator();
    const rest = restFor(emu);
    const pending: Json[] = [];
    await startEndpoint(emu, (interaction) => {
      pending.push(interaction);
      return 'callback';
    });

    const message = (await rest.post(Routes.channelMessages(CHANNEL), {
      body: {
        ...approvalCard('9'),
        content: `Ping <@${USER}> and <@&${EDITOR_ROLE}>`,
        allowed_mentions: { parse: ['users', 'roles'] },
        nonce: 'n-1',
        components: [
          ...((approvalCard('9').components as Json[]) ?? []),
          {
            type: 1,
            components: [
              {
                type: 3,
                custom_id: 'networks',
                options: [
                  { label: 'X', value: 'x' },
                  { label: 'LinkedIn', value: 'li' },
                ],
              },
            ],
          },
          { type: 1, components: [{ type: 2, style: 5, label: 'Preview', url: 'https://example.com/p/9' }] },
        ],
      },
    })) as Json;
    expect(message).toMatchObject({ mentions: [{ id: USER }], mention_roles: [EDITOR_ROLE] });
    const messageSchema = responseSchema('/channels/{channel_id}/messages', 'post', '200');
    expect(validate(messageSchema, message)).toEqual([]);

    // Honest: the checks catch what a broken emulator would leave out.
    const { id: _id, ...withoutId } = message;
    expect(validate(messageSchema, withoutId)).toContain("/: must have required property 'id'");
    const { channel_id: _channel, ...withoutChannel } = message;
    expect(validate(messageSchema, withoutChannel)).toContain("/: must have required property 'channel_id'");
    expect(validate(messageSchema, { ...message, id: 42 }).join()).toContain('/id: must be string');
    expect(validate(messageSchema, { ...message, components: [{ type: 1, components: [{ type: 2, style: 1 }] }] }).join()).toMatch(/oneOf/);

    const thread = (await rest.post(Routes.threads(CHANNEL, String(message.id)), { body: { name: 'Receipts' } })) as Json;
    const threadSchema = responseSchema('/channels/{channel_id}/messages/{message_id}/threads', 'post', '201');
    expect(emu.callsTo('POST /channels/{channel_id}/messages/{message_id}/threads')[0]?.status).toBe(201);
    expect(validate(threadSchema, thread)).toEqual([]);
    const { thread_metadata: _meta, ...withoutMeta } = thread;
    expect(validate(threadSchema, withoutMeta)).toContain("/: must have required property 'thread_metadata'");
    const reloaded = (await rest.get(Routes.channelMessage(CHANNEL, String(message.id)))) as Json;
    expect(validate(responseSchema('/channels/{channel_id}/messages/{message_id}', 'get', '200'), reloaded)).toEqual([]);
    const later = (await rest.post(Routes.channelMessages(CHANNEL), { body: { content: 'later', nonce: 'n-later', enforce_nonce: true } })) as Json;
    const listed = (await rest.get(Routes.channelMessages(CHANNEL), { query: new URLSearchParams({ after: String(message.id), limit: '100' }) })) as Json[];
    expect(validate(responseSchema('/channels/{channel_id}/messages', 'get', '200'), listed)).toEqual([]);
    expect(listed.map((m) => m.id)).toEqual([later.id]);
    expect(listed[0]!.nonce, 'Discord does not keep nonces with messages').toBeUndefined();
    const newestFirst = (await rest.get(Routes.channelMessages(CHANNEL), { query: new URLSearchParams({ limit: '2' }) })) as Json[];
    expect(newestFirst.map((m) => m.id)).toEqual([later.id, message.id]);

    // The app acknowledges through the callback route with ?with_response=true.
    const clicked = emu.clickButton({ customId: 'approve:9', userId: USER, channelId: CHANNEL, messageId: String(message.id) });
    const click = await emu.waitFor(() => pending[0]);
    const callback = (await rest.post(Routes.interactionCallback(String(click.id), String(click.token)), {
      body: { type: 4, data: { content: 'Approved', embeds: [{ title: 'Done' }] } },
      auth: false,
      query: new URLSearchParams({ with_response: 'true' }),
    })) as Json;
    expect((await clicked).failure).toBeUndefined();
    expect(callback).toMatchObject({
      interaction: { id: click.id, type: 3, response_message_ephemeral: false },
      resource: { type: 4, message: { content: 'Approved' } },
    });
    const callbackSchema = responseSchema('/interactions/{interaction_id}/{interaction_token}/callback', 'post', '200');
    expect(validate(callbackSchema, callback)).toEqual([]);
    expect(validate(callbackSchema, { resource: callback.resource })).toContain("/: must have required property 'interaction'");

    const followUp = (await rest.post(Routes.webhook(emu.applicationId, String(click.token)), { body: { content: 'Follow-up' }, auth: false })) as Json;
    expect(validate(responseSchema('/webhooks/{webhook_id}/{webhook_token}', 'post', '200'), followUp)).toEqual([]);

    const gateway = await rest.get(Routes.gatewayBot());
    expect(validate(responseSchema('/gateway/bot', 'get', '200'), gateway)).toEqual([]);
    expect(validate(responseSchema('/users/@me', 'get', '200'), await rest.get(Routes.user('@me')))).toEqual([]);
    expect(validate(responseSchema('/guilds/{guild_id}/members/{user_id}', 'get', '200'), await rest.get(Routes.guildMember(GUILD, USER)))).toEqual([]);
    const commands = await rest.put(Routes.applicationCommands(emu.applicationId), {
      body: [{ name: 'status', description: 'Queue status', options: [{ type: 3, name: 'network', description: 'Which network' }] }],
    });
    expect(validate(responseSchema('/applications/{application_id}/commands', 'put', '200'), commands)).toEqual([]);

    // Error bodies: 4XX as ErrorResponse, 429 as RatelimitedResponse (with the docs' optional code).
    const invalid = await expectDiscordError(rest.post(Routes.channelMessages(CHANNEL), { body: { content: 'x'.repeat(2001) } }), 400, 50035);
    const errorSchema = responseSchema('/channels/{channel_id}/messages', 'post', '4XX');
    expect(validate(errorSchema, invalid.rawError, FIELD_ERROR_ERRATUM)).toEqual([]);
    const asSpecified = validate(errorSchema, invalid.rawError);
    expect(asSpecified).toContain('/errors: must match exactly one schema in oneOf');
    expect(asSpecified.filter((e) => !e.startsWith('/errors'))).toEqual([]);
    expect(validate(errorSchema, { message: 'Invalid Form Body', errors: {} })).toContain("/: must have required property 'code'");
    emu.failNext('POST /channels/{channel_id}/messages', { retryAfter: 0.05 });
    await rest.post(Routes.channelMessages(CHANNEL), { body: { content: 'after 429' } });
    const limited = emu.callsTo('POST /channels/{channel_id}/messages').find((c) => c.status === 429)?.response;
    expect(validate(ratelimitedSchemaPerDocs(), limited)).toEqual([]);
    const ratelimitedSpec = responseSchema('/channels/{channel_id}/messages', 'post', '429');
    expect(validate(ratelimitedSpec, limited)).toEqual(["/: must have required property 'code'"]);
  });
});
