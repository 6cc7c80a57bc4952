import type { Greenlight } from '../../src/service/start-service.ts';
import { createRest } from '../../src/chat/discord/discord-app.ts';
import { registerCommands } from '../../src/cli/discord-register.ts';
import { connectAccount } from '../../src/db/accounts.ts';
import { findOrCreateWorkspace, updateWorkspaceSettings, type WorkspaceSettings } from '../../src/db/workspaces.ts';
import type { DiscordEmulator, DiscordMessage, Json } from '../../emulators/discord.ts';
import type { startMastodonEmulator } from '../../emulators/mastodon.ts';
import type { startXEmulator } from '../../emulators/x.ts';
import type { DiscordSide, Stack } from './stack.ts';

export type { DiscordSide } from './stack.ts';

/** The community guild: snowflake ids, as Discord's are. */
export const GUILD = '2100000000000000001';
export const COMMUNITY = '2100000000000000002';
export const MOD_QUEUE = '2100000000000000003';
export const APPROVER_ROLE = '2100000000000000021';
export const MODERATOR_ROLE = '2100000000000000022';
export const D_AUTHOR = '2100000000000000011';
export const D_MANAGER = '2100000000000000012';
export const D_MANAGER2 = '2100000000000000013';
export const D_OUTSIDER = '2100000000000000014';
/** Holds a role with Manage Server: a Greenlight admin by Discord's own permissions. */
export const D_ADMIN = '2100000000000000015';

/** The variables that turn the Discord edge on, pointed at the emulator. */
export function discordEnv(emulator: DiscordEmulator, mode: 'http' | 'gateway'): Record<string, string> {
  return {
    DISCORD_BOT_TOKEN: emulator.botToken,
    DISCORD_APPLICATION_ID: emulator.applicationId,
    DISCORD_API_URL: emulator.apiBase,
    ...(mode === 'http' ? { DISCORD_PUBLIC_KEY: emulator.publicKeyHex } : { DISCORD_MODE: 'gateway' }),
  };
}

export function addDiscordFixtures(emulator: DiscordEmulator): void {
  emulator.addGuild({ id: GUILD, name: 'Greenlight Community' });
  emulator.addRole({ guildId: GUILD, id: APPROVER_ROLE, name: 'Approvers' });
  emulator.addRole({ guildId: GUILD, id: MODERATOR_ROLE, name: 'Moderators', permissions: String(1 << 5) });
  emulator.addChannel({ id: COMMUNITY, guildId: GUILD, name: 'community' });
  emulator.addChannel({ id: MOD_QUEUE, guildId: GUILD, name: 'approvals' });
  for (const [userId, username, roles] of [
    [D_AUTHOR, 'cora', []],
    [D_MANAGER, 'mika', [APPROVER_ROLE]],
    [D_MANAGER2, 'noor', [APPROVER_ROLE]],
    [D_OUTSIDER, 'otto', []],
    [D_ADMIN, 'ada', [MODERATOR_ROLE]],
  ] as const)
    emulator.addMember({ guildId: GUILD, userId, username, roles: [...roles] });
}

/** After the app started: the interactions URL (HTTP mode), the guild's workspace and its accounts. */
export async function seedDiscord(o: {
  app: Greenlight;
  emulator: DiscordEmulator;
  mode: 'http' | 'gateway';
  mastodon: Awaited<ReturnType<typeof startMastodonEmulator>>;
  x: Awaited<ReturnType<typeof startXEmulator>>;
  settings?: WorkspaceSettings;
}): Promise<DiscordSide> {
  if (o.mode === 'http') o.emulator.setInteractionsUrl(`${o.app.url}/discord/interactions`);
  else o.emulator.setTransport('gateway');
  const workspace = await findOrCreateWorkspace(o.app.db, 'discord', GUILD);
  await updateWorkspaceSettings(o.app.db, workspace.id, {
    approvals_channel_id: MOD_QUEUE,
    approver_group_id: APPROVER_ROLE,
    default_zone: 'Europe/Berlin',
    ...o.settings,
  });
  const mastodonUser = o.mastodon.createAccount('community');
  const xUser = o.x.issueToken('2001');
  const mastodon = await connectAccount(o.app.db, o.app.cipher, {
    workspaceId: workspace.id,
    network: 'mastodon',
    externalAccountId: mastodonUser.accountId,
    displayName: '@community@mastodon.test',
    instanceUrl: o.mastodon.url,
    connectedBy: D_ADMIN,
    credentials: { accessToken: mastodonUser.accessToken },
  });
  const x = await connectAccount(o.app.db, o.app.cipher, {
    workspaceId: workspace.id,
    network: 'x',
    externalAccountId: xUser.userId,
    displayName: '@community',
    connectedBy: D_ADMIN,
    credentials: { accessToken: xUser.accessToken, refreshToken: xUser.refreshToken },
  });
  return { emulator: o.emulator, mode: o.mode, workspaceId: workspace.id, accounts: { mastodon: mastodon.id, x: x.id }, tokens: { mastodon: mastodonUser } };
}

export function discordOf(stack: Stack): DiscordSide {
  if (!stack.discord) throw new Error('start the stack with { discord: "http" | "gateway" }');
  return stack.discord;
}

const LOADING = 1 << 7;

/** The newest ephemeral message the user sees once it is more than "thinking…", optionally newer than `after`. */
export function settledEphemeral(stack: Stack, user: string, predicate: (m: DiscordMessage) => boolean = () => true, what = 'an ephemeral answer') {
  const emu = discordOf(stack).emulator;
  return emu.waitFor(
    () =>
      emu
        .ephemerals(user)
        .reverse()
        .find((m) => (m.flags & LOADING) === 0 && m.content !== '' && predicate(m)),
    { what, timeoutMs: 15_000 },
  );
}

export interface DraftInput {
  text: string;
  accounts: string[];
  when?: string;
  zone?: string;
  note?: string;
  media?: string;
  user?: string;
}

/**
 * The author runs /post, fills the form, picks the accounts and sends. Returns the answer shown
 * in place of the account step (✅ sent, or ⚠️ with what to fix).
 */
export async function dDraft(stack: Stack, o: DraftInput): Promise<DiscordMessage> {
  const user = o.user ?? D_AUTHOR;
  const emu = discordOf(stack).emulator;
  const opened = await emu.command({ name: 'post', userId: user, channelId: COMMUNITY });
  if (opened.response?.type !== 9) throw new Error(`/post answered ${JSON.stringify(opened.response)}`);
  const step = await submitCompose(stack, user, o);
  return sendStep(stack, user, step, o.accounts);
}

/** Submits the open compose form; returns the account step (or the answer, with one account). */
export async function submitCompose(stack: Stack, user: string, o: Omit<DraftInput, 'accounts' | 'user'>): Promise<DiscordMessage> {
  const emu = discordOf(stack).emulator;
  const modal = emu.openModal(user);
  if (!modal) throw new Error(`no form open for ${user}`);
  const before = new Set(emu.ephemerals(user).map((m) => `${m.id}:${m.edited_timestamp}`));
  const values: Record<string, string> = { text: o.text, when: o.when ?? 'now', zone: o.zone ?? 'Europe/Berlin' };
  if (o.note) values.note = o.note;
  if (o.media) values.media = o.media;
  const res = await emu.submitModal({ customId: modal.custom_id, values, userId: user, channelId: modal.channelId });
  if (res.failure) throw new Error(`the form submit failed: ${res.failure}`);
  return settledEphemeral(stack, user, (m) => !before.has(`${m.id}:${m.edited_timestamp}`), 'the account step');
}

/** Picks the accounts on the step message and presses its send button; returns the message as it ends. */
export async function sendStep(stack: Stack, user: string, step: DiscordMessage, accounts: string[]): Promise<DiscordMessage> {
  const emu = discordOf(stack).emulator;
  const select = component(step, 'compose_targets');
  if (select && accounts.length > 0) {
    // As a person does: Send is clicked once the step has redrawn with the choice. Waiting only for the choice to
    // be shown was not enough when it already was (a step redrawn by the versions form): the picker's own redraw
    // then raced the send answer and could land after it.
    const beforePick = emu.message(step.id)!.edited_timestamp;
    await emu.selectMenu({ customId: String(select.custom_id), values: accounts, userId: user, channelId: step.channel_id, messageId: step.id });
    await emu.waitFor(
      () => {
        const now = emu.message(step.id)!;
        return now.edited_timestamp !== beforePick && (component(now, 'compose_targets')?.options as Json[] | undefined)?.some((o) => o.default === true);
      },
      { what: 'the choice shown', timeoutMs: 15_000 },
    );
  }
  const send = component(step, 'compose_send');
  if (!send) return step;
  const before = emu.message(step.id)!.edited_timestamp;
  await emu.clickButton({ customId: String(send.custom_id), userId: user, channelId: step.channel_id, messageId: step.id });
  return emu.waitFor(
    () => {
      const now = emu.message(step.id)!;
      return now.edited_timestamp !== before && /^(✅|⚠️)/.test(now.content) ? now : undefined;
    },
    { what: 'the send answer', timeoutMs: 15_000 },
  );
}

/** The first component whose custom id starts with `prefix:`, anywhere on the message. */
export function component(message: DiscordMessage, prefix: string): Json | undefined {
  for (const row of message.components) {
    for (const c of (row.components as Json[] | undefined) ?? []) if (String(c.custom_id ?? '').startsWith(`${prefix}:`)) return c;
  }
  return undefined;
}

/** Cards in the approvals channel (announcements skipped), oldest first. */
export function dCards(stack: Stack): DiscordMessage[] {
  return discordOf(stack)
    .emulator.channelMessages(MOD_QUEUE)
    .filter((m) => m.embeds.length > 0);
}

export function dCard(stack: Stack, index = 0): DiscordMessage | undefined {
  return dCards(stack)[index];
}

export function dThread(stack: Stack, index = 0): string[] {
  const card = dCard(stack, index);
  return card
    ? discordOf(stack)
        .emulator.threadMessages(card.id)
        .map((m) => m.content)
    : [];
}

/** Clicks a card button (found by its custom id prefix) as `user`. */
export async function dClick(stack: Stack, user: string, prefix: string, index = 0) {
  const card = dCard(stack, index);
  const button = card && component(card, prefix);
  if (!card || !button) throw new Error(`no ${prefix} button on card ${index}`);
  return discordOf(stack).emulator.clickButton({ customId: String(button.custom_id), userId: user, channelId: MOD_QUEUE, messageId: card.id });
}

/** Every ephemeral text the user has seen so far. */
export function dTold(stack: Stack, user: string): string[] {
  return discordOf(stack)
    .emulator.ephemerals(user)
    .map((m) => m.content);
}

export function waitTold(stack: Stack, user: string, fragment: string): Promise<string> {
  return discordOf(stack).emulator.waitFor(() => dTold(stack, user).find((t) => t.includes(fragment)), {
    what: `"${fragment}" told to ${user}`,
    timeoutMs: 15_000,
  });
}

export function waitThread(stack: Stack, prefix: string, index = 0, timeoutMs = 10_000): Promise<string> {
  return discordOf(stack).emulator.waitFor(() => dThread(stack, index).find((t) => t.startsWith(prefix)), { what: `"${prefix}" in the thread`, timeoutMs });
}

/** Submits the one-field form (comment, reason, new time) open in front of the user. */
export async function submitField(stack: Stack, user: string, value: string) {
  const emu = discordOf(stack).emulator;
  const modal = emu.openModal(user);
  if (!modal) throw new Error(`no form open for ${user}`);
  return emu.submitModal({ customId: modal.custom_id, values: { value }, userId: user, channelId: modal.channelId });
}

/** Registers Greenlight's commands in the guild, as `npm run discord:register` does (the images and video suites open /post with options). */
export async function registerGuildCommands(stack: Stack): Promise<void> {
  const emu = discordOf(stack).emulator;
  const rest = createRest({ botToken: emu.botToken, apiUrl: emu.apiBase });
  try {
    await registerCommands(rest, emu.applicationId, GUILD);
  } finally {
    rest.clearHashSweeper();
    rest.clearHandlerSweeper();
  }
}
