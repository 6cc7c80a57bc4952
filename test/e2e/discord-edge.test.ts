import { readFile } from 'node:fs/promises';
import { connectAccount } from '../../src/db/accounts.ts';
import { describe, expect, it } from 'vitest';
import { cardMessage, receiptMessage } from '../../src/chat/discord/card-embeds.ts';
import { createRest } from '../../src/chat/discord/discord-app.ts';
import { BUTTONS, GREENLIGHT_SUBCOMMANDS, MODALS, parseCustomId } from '../../src/chat/discord/ids.ts';
import { BUTTON_HANDLERS, COMMAND_HANDLERS, MODAL_HANDLERS } from '../../src/chat/discord/interactions.ts';
import { MANIFEST_PATH, registerCommands } from '../../src/cli/discord-register.ts';
import type { CardView, ReceiptAction } from '../../src/workflow/card/card-view.ts';
import type { DiscordMessage, Json } from '../../emulators/discord.ts';
import type { Stack } from '../helpers/greenlight.ts';
import { discordSuite } from '../helpers/discord-suite.ts';
import {
  APPROVER_ROLE,
  COMMUNITY,
  D_ADMIN,
  D_AUTHOR,
  D_MANAGER,
  GUILD,
  MOD_QUEUE,
  dCard,
  dCards,
  dClick,
  dDraft,
  dThread,
  discordOf,
  settledEphemeral,
  waitThread,
  waitTold,
} from '../helpers/discord-stack.ts';

let stack: Stack;
const { emu } = discordSuite({ discord: 'http' }, (s) => {
  stack = s;
});
const ZERO = '00000000-0000-0000-0000-000000000000';

interface ManifestCommand {
  name: string;
  options?: { type: number; name: string }[];
}

/** Runs `/greenlight <sub>` and returns the answer once it replaced "thinking…". */
async function greenlight(user: string, sub: string, options: Json[] = []): Promise<string> {
  const before = new Set(
    emu()
      .ephemerals(user)
      .map((m) => `${m.id}:${m.edited_timestamp}`),
  );
  const res = await emu().command({
    name: 'greenlight',
    options: [{ name: sub, type: 1, ...(options.length ? { options } : {}) }],
    userId: user,
    channelId: COMMUNITY,
  });
  expect(res.response).toMatchObject({ type: 5, data: { flags: 64 } });
  return (await settledEphemeral(stack, user, (m) => !before.has(`${m.id}:${m.edited_timestamp}`), `/greenlight ${sub}`)).content;
}

describe('manifests/discord-commands.json and npm run discord:register', () => {
  it('registers the manifest (guild and global) with a bulk overwrite', async () => {
    const manifest = JSON.parse(await readFile(MANIFEST_PATH, 'utf8')) as ManifestCommand[];
    const rest = createRest({ botToken: emu().botToken, apiUrl: emu().apiBase });
    try {
      expect((await registerCommands(rest, emu().applicationId, GUILD)).map((c) => c.name)).toEqual(['post', 'Draft a post', 'greenlight']);
      await registerCommands(rest, emu().applicationId);
    } finally {
      rest.clearHashSweeper();
      rest.clearHandlerSweeper();
    }
    expect(emu().registeredCommands.map((c) => [c.name, c.guild_id ?? 'global'])).toEqual([
      ['post', 'global'],
      ['Draft a post', 'global'],
      ['greenlight', 'global'],
      ['post', GUILD],
      ['Draft a post', GUILD],
      ['greenlight', GUILD],
    ]);
    expect(emu().callsTo('PUT /applications/{application_id}/guilds/{guild_id}/commands')[0]).toMatchObject({ auth: 'bot', body: manifest });
  });

  it('declares exactly the commands and subcommands that have handlers, each answering', async () => {
    const manifest = JSON.parse(await readFile(MANIFEST_PATH, 'utf8')) as ManifestCommand[];
    expect(manifest.map((c) => c.name).sort()).toEqual(Object.keys(COMMAND_HANDLERS).sort());
    const subs = manifest.find((c) => c.name === 'greenlight')!.options!.map((o) => o.name);
    expect(subs.sort()).toEqual([...GREENLIGHT_SUBCOMMANDS].sort());
    for (const sub of subs) {
      const options = sub === 'connect' ? [{ name: 'network', type: 3, value: 'mastodon' }] : [];
      expect(await greenlight(D_AUTHOR, sub, options), sub).not.toMatch(/I don't know/);
    }
    const post = await emu().command({ name: 'post', options: { text: 'Prefilled' }, userId: D_AUTHOR, channelId: COMMUNITY });
    expect(post.response).toMatchObject({ type: 9, data: { custom_id: MODALS.compose } });
    expect(JSON.stringify(emu().openModal(D_AUTHOR)!.components)).toContain('"value":"Prefilled"');
    emu().dismissModal(D_AUTHOR);
  });

  it('renders only custom ids that have handlers, on cards and receipts', () => {
    const card = {
      postId: ZERO,
      contentHash: 'a'.repeat(64),
      state: 'in_review',
      stateLabel: 'Waiting',
      authorId: D_AUTHOR,
      note: null,
      publishAt: new Date(),
      zone: 'UTC',
      networks: [],
      media: [],
      files: [],
      approvals: { count: 0, required: 1, approverIds: [] },
      lastComment: undefined,
      deliveries: [],
      reviewOpen: true,
      authorActionsOpen: true,
      held: [],
      holdable: [
        { network: 'x', label: 'X' },
        { network: 'mastodon', label: 'Mastodon' },
      ],
    } satisfies CardView;
    const actions: ReceiptAction[] = ['retry_delivery', 'confirm_live', 'publish_again', 'publish_late'];
    const receipt = receiptMessage({ text: 'x', buttons: actions.map((action) => ({ kind: 'action' as const, label: action, action, value: ZERO })) });
    const ids = [...(cardMessage(card).components ?? []), ...(receipt.components ?? [])].flatMap((row) =>
      (row.components as Json[]).map((c) => String(c.custom_id)),
    );
    expect(ids).toHaveLength(12); // with the "Approve, but hold…" select
    for (const id of ids) expect(Object.keys(BUTTON_HANDLERS), id).toContain(parseCustomId(id)!.prefix);
    expect(Object.keys(BUTTON_HANDLERS).sort()).toEqual(Object.values(BUTTONS).sort());
    expect(Object.keys(MODAL_HANDLERS).sort()).toEqual(Object.values(MODALS).sort());
  });

  it('answers every button and form it declares (here: about a post that does not exist)', async () => {
    for (const prefix of Object.values(BUTTONS)) {
      const customId = prefix === BUTTONS.approve ? `${prefix}:${ZERO}:${'0'.repeat(16)}` : `${prefix}:${ZERO}`;
      const message = await postButton(customId);
      const before = emu().ephemerals(D_MANAGER).length;
      const res = await emu().clickButton({ customId, userId: D_MANAGER, channelId: MOD_QUEUE, messageId: message.id });
      expect(res.failure, prefix).toBeUndefined();
      if (res.response?.type === 9) emu().dismissModal(D_MANAGER);
      else
        await emu().waitFor(() => emu().ephemerals(D_MANAGER).length > before || emu().message(message.id)!.edited_timestamp !== null, {
          what: `an answer to ${prefix}`,
        });
    }
    for (const prefix of Object.values(MODALS)) {
      const res = await emu().submitModal({
        customId: `${prefix}:${ZERO}`,
        values: { value: 'x' },
        userId: D_MANAGER,
        channelId: COMMUNITY,
        unsolicited: true,
      });
      expect(res.failure, prefix).toBeUndefined();
      await settledEphemeral(
        stack,
        D_MANAGER,
        (m) => m.interaction_metadata !== undefined && (m.interaction_metadata as Json).id === res.interaction.id,
        `an answer to ${prefix}`,
      );
    }
  });
});

async function postButton(customId: string): Promise<DiscordMessage> {
  const res = await fetch(`${emu().apiBase}/v10/channels/${MOD_QUEUE}/messages`, {
    method: 'POST',
    headers: { authorization: `Bot ${emu().botToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ content: 'old buttons', components: [{ type: 1, components: [{ type: 2, style: 2, label: 'Press', custom_id: customId }] }] }),
  });
  return (await res.json()) as DiscordMessage;
}

describe('/greenlight in Discord', () => {
  it('lists accounts with their health', async () => {
    expect(await greenlight(D_AUTHOR, 'accounts')).toContain('Mastodon · @community@mastodon.test: ✅ connected');
  });

  it('gives admins a personal connect link and refuses everyone else, as in Slack', async () => {
    const x = [{ name: 'network', type: 3, value: 'x' }];
    expect(await greenlight(D_AUTHOR, 'connect', x)).toContain('Only workspace admins');
    expect(await greenlight(D_ADMIN, 'connect', x)).toMatch(/Open this link to connect X .*\/connect\/x\?workspace=[^&\s]+&t=/);
  });

  it('refuses settings changes from members; an admin by Discord permission sets the approver role', async () => {
    expect(await greenlight(D_AUTHOR, 'settings', [{ name: 'text', type: 3, value: 'approvals_required=2' }])).toContain('Only workspace admins');
    expect(await greenlight(D_ADMIN, 'settings', [{ name: 'text', type: 3, value: 'approvals_required=11' }])).toContain('0 to 10');
    const saved = await greenlight(D_ADMIN, 'settings', [
      { name: 'text', type: 3, value: `approver_group=<@&${APPROVER_ROLE}> approvals_channel=<#${MOD_QUEUE}> zone=America/New_York` },
    ]);
    expect(saved).toBe('Settings saved.');
    const shown = await greenlight(D_AUTHOR, 'settings');
    expect(shown).toContain(`approver_group=<@&${APPROVER_ROLE}>`);
    expect(shown).toContain('zone=America/New_York');
  });

  it('pause holds a due delivery and is announced; resume publishes it', async () => {
    expect(await greenlight(D_AUTHOR, 'pause')).toContain('Only workspace admins');
    expect(await greenlight(D_ADMIN, 'pause')).toContain('Publishing is paused');
    await emu().waitFor(
      () =>
        emu()
          .channelMessages(MOD_QUEUE)
          .find((m) => m.content.includes('Publishing is paused')),
      { what: 'the announcement' },
    );
    await dDraft(stack, { text: 'During the brake', accounts: [discordOf(stack).accounts.mastodon] });
    await emu().waitFor(() => dCard(stack), { what: 'the card' });
    await dClick(stack, D_MANAGER, 'approve');
    await waitThread(stack, 'Mastodon is on hold');
    expect(stack.mastodon.posts).toHaveLength(0);
    expect(await greenlight(D_ADMIN, 'resume')).toContain('Publishing resumed');
    await waitThread(stack, 'Published to Mastodon');
    expect(stack.mastodon.posts.map((p) => p.text)).toEqual(['During the brake']);
    expect(dThread(stack).filter((t) => t.startsWith('Published'))).toHaveLength(1);
  });

  it('shows the week in /greenlight queue, times as Discord timestamps', async () => {
    await dDraft(stack, { text: 'Queued for later', accounts: [discordOf(stack).accounts.mastodon], when: 'in 3 days' });
    const queue = await greenlight(D_AUTHOR, 'queue');
    expect(queue).toContain('**This week**');
    expect(queue).toMatch(/<t:\d+:f> · in review · <@\d+>: Queued for later/);
  });
});

describe('failures in the thread', () => {
  it("says why with the network's words, offers Reconnect and Retry, and Retry publishes once reconnected", async () => {
    const discord = discordOf(stack);
    stack.mastodon.revokeToken(discord.tokens.mastodon.accessToken);
    await dDraft(stack, { text: 'Cannot get through', accounts: [discord.accounts.mastodon] });
    const index = await emu().waitFor(
      () => {
        const i = dCards(stack).findIndex((c) => c.embeds[0]?.description === 'Cannot get through');
        return i >= 0 ? i : undefined;
      },
      { what: 'the card' },
    );
    await dClick(stack, D_MANAGER, 'approve', index);
    await waitThread(stack, 'Mastodon failed', index);
    const card = dCard(stack, index)!;
    const receipt = emu()
      .threadMessages(card.id)
      .find((m) => m.content.startsWith('Mastodon failed'))!;
    expect(receipt.content).toBe('Mastodon failed: The access token was revoked. Reconnect Mastodon, then retry.');
    const [reconnect, retry] = receipt.components[0]!.components as Json[];
    expect(reconnect).toMatchObject({
      type: 2,
      style: 5,
      label: 'Reconnect Mastodon',
      url: expect.stringContaining(`/connect/mastodon?workspace=${discord.workspaceId}`),
    });
    expect(retry).toMatchObject({ type: 2, label: 'Retry Mastodon', custom_id: expect.stringMatching(/^retry_delivery:/) });

    const press = () => emu().clickButton({ customId: String(retry!.custom_id), userId: D_AUTHOR, channelId: card.id, messageId: receipt.id });
    await press();
    await waitTold(stack, D_AUTHOR, 'Reconnect Mastodon first');
    const fresh = stack.mastodon.issueToken(discord.tokens.mastodon.accountId);
    await connectAccount(stack.app.db, stack.app.cipher, {
      workspaceId: discord.workspaceId,
      network: 'mastodon',
      externalAccountId: discord.tokens.mastodon.accountId,
      displayName: '@community@mastodon.test',
      instanceUrl: stack.mastodon.url,
      connectedBy: D_ADMIN,
      credentials: { accessToken: fresh },
    });
    await press();
    await waitThread(stack, 'Published to Mastodon', index);
    expect(stack.mastodon.posts.filter((p) => p.text === 'Cannot get through')).toHaveLength(1);
    expect(dThread(stack, index)).toContain(`<@${D_AUTHOR}> asked to retry Mastodon.`);
  });
});
