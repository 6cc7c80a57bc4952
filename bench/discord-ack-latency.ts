import { parseKeyring, TokenCipher, generateKey } from '../src/crypto/token-cipher.ts';
import { connectAccount } from '../src/db/accounts.ts';
import { createDb } from '../src/db/database.ts';
import { findOrCreateWorkspace, updateWorkspaceSettings } from '../src/db/workspaces.ts';
import { DiscordEmulator } from '../emulators/discord.ts';
import { startMastodonEmulator } from '../emulators/mastodon.ts';
import { serverSide } from './ack-latency.ts';
import { atRate, freshDatabase, percentile, spawnGreenlight } from './harness.ts';

const GUILD = '3100000000000000001';
const CHANNEL = '3100000000000000002';
const APPROVERS = '3100000000000000003';

/**
 * Ack latency of Discord HTTP interactions at a steady rate, the Slack scenario's twin: Greenlight
 * in its own process with only Discord configured (HTTP interactions), this process playing Discord.
 * Each interaction is Ed25519-signed by the emulator and POSTed to `/discord/interactions`; half
 * `/greenlight help` commands, half Approve clicks on one card by members without the approver role
 * (each is deferred at once, then refused after the role lookup, so the card, and its button, stay).
 * Measured at the client, from sending the
 * signed request to the HTTP answer, and in the app (its histogram, chat="discord").
 */
export async function discordAckLatency(adminUrl: string, options: { rate: number; seconds: number }) {
  const url = await freshDatabase(adminUrl, 'greenlight_bench_discord_ack');
  const discord = await DiscordEmulator.start();
  const mastodon = await startMastodonEmulator();
  const users = Array.from({ length: 20 }, (_, i) => `31000000000000001${String(i).padStart(2, '0')}`);
  discord.addGuild({ id: GUILD, name: 'Bench' });
  discord.addRole({ guildId: GUILD, id: APPROVERS, name: 'Approvers' });
  discord.addChannel({ id: CHANNEL, guildId: GUILD, name: 'approvals' });
  for (const [i, userId] of users.entries()) discord.addMember({ guildId: GUILD, userId, username: `bench${i}`, roles: i === 0 ? [APPROVERS] : [] });
  const keys = `bench:${generateKey()}`;
  const app = await spawnGreenlight({
    LOG_LEVEL: 'warn',
    DATABASE_URL: url,
    ENCRYPTION_KEYS: keys,
    ENCRYPTION_PRIMARY_KEY_ID: 'bench',
    DISCORD_BOT_TOKEN: discord.botToken,
    DISCORD_APPLICATION_ID: discord.applicationId,
    DISCORD_API_URL: discord.apiBase,
    DISCORD_PUBLIC_KEY: discord.publicKeyHex,
  });
  const { db } = createDb({ url, poolSize: 2 });
  try {
    discord.setInteractionsUrl(`${app.url}/discord/interactions`);
    const workspace = await findOrCreateWorkspace(db, 'discord', GUILD);
    await updateWorkspaceSettings(db, workspace.id, { approvals_channel_id: CHANNEL, approver_group_id: APPROVERS, default_zone: 'Europe/Berlin' });
    const account = mastodon.createAccount('bench');
    const cipher = new TokenCipher(parseKeyring(keys, 'bench'));
    await connectAccount(db, cipher, {
      workspaceId: workspace.id,
      network: 'mastodon',
      externalAccountId: account.accountId,
      displayName: '@bench',
      instanceUrl: mastodon.url,
      connectedBy: users[0]!,
      credentials: { accessToken: account.accessToken },
    });
    // One account: the compose form sends at once (no account step), and the card appears.
    const author = users[1]!;
    await discord.command({ name: 'post', userId: author, channelId: CHANNEL });
    const modal = await discord.waitFor(() => discord.openModal(author), { what: 'the compose form', timeoutMs: 10_000 });
    await discord.submitModal({
      customId: modal.custom_id,
      values: { text: 'bench', when: 'in 3 days', zone: 'Europe/Berlin' },
      userId: author,
      channelId: modal.channelId,
    });
    const card = await discord.waitFor(() => discord.channelMessages(CHANNEL).find((m) => m.embeds.length > 0), { what: 'the card', timeoutMs: 10_000 });
    const approve = card.components.flatMap((row) => (row.components as { custom_id?: string }[]) ?? []).find((c) => c.custom_id?.startsWith('approve:'))!
      .custom_id!;

    const total = options.rate * options.seconds;
    const results = await atRate(total, options.rate, (i) => {
      const userId = users[i % users.length]!;
      return i % 2 === 0
        ? discord.command({ name: 'greenlight', options: [{ name: 'help', type: 1 }], userId, channelId: CHANNEL })
        : discord.clickButton({ customId: approve, userId: users[(i % (users.length - 2)) + 2]!, channelId: CHANNEL, messageId: card.id });
    });
    const failed = results.filter((r) => r.status !== 200 || r.failure !== undefined).length;
    const sorted = results.map((r) => r.elapsedMs).sort((a, b) => a - b);
    const server = serverSide(await fetch(`${app.url}/metrics`).then((r) => r.text()), 'discord');
    return {
      total,
      failed,
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      max: sorted[sorted.length - 1]!,
      serverP50: server(0.5),
      serverP99: server(0.99),
    };
  } finally {
    await app.stop();
    await db.destroy();
    await Promise.all([discord.stop(), mastodon.stop()]);
  }
}
