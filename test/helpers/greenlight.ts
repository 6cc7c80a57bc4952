import { createServer } from 'node:net';
import { startGreenlight } from '../../src/service/start-service.ts';
import { mediaService } from '../../src/service/media-service.ts';
import { loadConfig } from '../../src/config/load.ts';
import { connectAccount } from '../../src/db/accounts.ts';
import { findOrCreateWorkspace, setMemberRole, updateWorkspaceSettings, type WorkspaceSettings } from '../../src/db/workspaces.ts';
import { greenlightCore } from '../../src/service/wire-greenlight.ts';
import { createLogger, type Logger } from '../../src/log.ts';
import type { Network } from '../../src/domain/networks.ts';
import type { NetworkAdapter } from '../../src/networks/adapter.ts';
import { createMastodonAdapter } from '../../src/networks/mastodon.ts';
import { createXAdapter } from '../../src/networks/x.ts';
import { DiscordEmulator } from '../../emulators/discord.ts';
import { SlackEmulator } from '../../emulators/slack.ts';
import { startMastodonEmulator } from '../../emulators/mastodon.ts';
import { startXEmulator } from '../../emulators/x.ts';
import { createTestDatabase, type TestDatabase } from './db.ts';
import { addDiscordFixtures, discordEnv, seedDiscord } from './discord-stack.ts';
import type { Stack } from './stack.ts';

export type { Stack } from './stack.ts';

export const AUTHOR = 'U0AUTHOR';
export const MANAGER = 'U0MANAGER';
export const MANAGER2 = 'U0MANAGER2';
export const OUTSIDER = 'U0OUTSIDER';
export const ADMIN = 'U0ADMIN';
export const CHANNEL = 'C0MARKETING';
export const APPROVALS = 'C0APPROVALS';

export interface StackOptions {
  transport?: 'http' | 'socket';
  settings?: WorkspaceSettings;
  /** The network adapters' request timeout (default 2 s); shorter makes timeout scenarios quicker. */
  adapterTimeoutMs?: number;
  /** Also run the Discord edge against the Discord emulator, over HTTP interactions or the gateway. */
  discord?: 'http' | 'gateway';
  discordSettings?: WorkspaceSettings;
  /** More environment for Greenlight's config, given the emulators' URLs (OAuth apps, PORT and PUBLIC_URL). */
  env?: (urls: { x: string; mastodon: string }) => Record<string, string>;
  /** Where Greenlight logs (default: TEST_LOG_LEVEL or silent, to stdout). */
  log?: Logger;
  /** More network adapters, or replacements, pointed at emulators the caller started. */
  adapters?: Partial<Record<Network, NetworkAdapter>>;
  /** A database made by the caller (the demo, outside vitest); default: a fresh copy of the test template. */
  database?: TestDatabase;
}

/**
 * The whole product on one machine: a fresh database, the Slack, X and Mastodon emulators, and
 * Greenlight with the real Bolt app, the workflow and the workers. Nothing of ours is mocked.
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const testDb = options.database ?? (await createTestDatabase());
  const slack = await SlackEmulator.start();
  const mastodon = await startMastodonEmulator();
  const x = await startXEmulator();
  const discordEmulator = options.discord ? await DiscordEmulator.start() : undefined;
  if (discordEmulator) addDiscordFixtures(discordEmulator);
  for (const [id, name, tz, isAdmin] of [
    [AUTHOR, 'ana', 'Europe/Berlin', false],
    [MANAGER, 'marta', 'America/New_York', false],
    [MANAGER2, 'omar', 'Europe/London', false],
    [OUTSIDER, 'olli', 'Europe/Berlin', false],
    [ADMIN, 'root', 'UTC', true],
  ] as const)
    slack.addUser({ id, name, tz, isAdmin });
  slack.addChannel({ id: CHANNEL, name: 'marketing' });
  slack.addChannel({ id: APPROVALS, name: 'approvals' });
  slack.addUserGroup({ id: 'S0MANAGERS', handle: 'managers', users: [MANAGER, MANAGER2] });

  const socket = options.transport === 'socket';
  // A port fixed before start, so PUBLIC_URL is an address the emulators reach: networks that pull
  // images (Instagram, Threads, Facebook) fetch the signed /media/<id> links from it.
  const port = await freePort();
  const config = loadConfig({
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    DATABASE_URL: testDb.url,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    GREENLIGHT_DATA_DIR: '.greenlight/test-data',
    // Tests wake deferred jobs by moving their time in SQL; a short poll finds them quickly.
    QUEUE_POLL_SECONDS: '0.5',
    // The emulators listen on loopback: allowed by name, not by switching the outbound guard off.
    OUTBOUND_ALLOW_PRIVATE: '127.0.0.0/8,::1/128',
    SLACK_BOT_TOKEN: slack.botToken,
    SLACK_SIGNING_SECRET: slack.signingSecret,
    ...(socket ? { SLACK_APP_TOKEN: slack.appToken } : {}),
    SLACK_API_URL: slack.apiUrl,
    X_API_URL: x.url,
    ...(discordEmulator ? discordEnv(discordEmulator, options.discord!) : {}),
    ...options.env?.({ x: x.url, mastodon: mastodon.url }),
  });
  const app = await startGreenlight({
    config,
    log: options.log ?? createLogger({ level: config.logLevel }),
    extensions: [
      greenlightCore(config, {
        adapters: {
          x: createXAdapter({ baseUrl: x.url, timeoutMs: options.adapterTimeoutMs ?? 2_000, ...config.oauth.x.client }),
          mastodon: createMastodonAdapter({ timeoutMs: options.adapterTimeoutMs ?? 2_000 }),
          ...options.adapters,
        },
        retryDelays: { baseMs: 100, maxMs: 1_000 },
        // Outgoing webhooks retry within a second or so, and give up on a silent receiver after 2 s.
        webhooks: { baseMs: 100, maxMs: 500, timeoutMs: 2_000 },
      }),
      // The signed /media/<id> route, as `npm start` runs it (src/service/wire-greenlight.ts defaultExtensions).
      mediaService(config),
    ],
  });
  if (socket) slack.setTransport('socket');
  else slack.setAppUrl(`${app.url}/slack/events`);

  const workspace = await findOrCreateWorkspace(app.db, 'slack', slack.teamId);
  await updateWorkspaceSettings(app.db, workspace.id, { approvals_channel_id: APPROVALS, approver_group_id: 'S0MANAGERS', ...options.settings });
  await setMemberRole(app.db, workspace.id, ADMIN, 'admin');
  const mastodonUser = mastodon.createAccount('greenlight');
  const xUser = x.issueToken('1001');
  const mastodonAccount = await connectAccount(app.db, app.cipher, {
    workspaceId: workspace.id,
    network: 'mastodon',
    externalAccountId: mastodonUser.accountId,
    displayName: '@greenlight@mastodon.test',
    instanceUrl: mastodon.url,
    connectedBy: ADMIN,
    credentials: { accessToken: mastodonUser.accessToken },
  });
  const xAccount = await connectAccount(app.db, app.cipher, {
    workspaceId: workspace.id,
    network: 'x',
    externalAccountId: xUser.userId,
    displayName: '@greenlight',
    connectedBy: ADMIN,
    credentials: { accessToken: xUser.accessToken, refreshToken: xUser.refreshToken },
  });
  const discord = discordEmulator
    ? await seedDiscord({ app, emulator: discordEmulator, mode: options.discord!, mastodon, x, settings: options.discordSettings })
    : undefined;

  return {
    app,
    slack,
    mastodon,
    x,
    testDb,
    workspaceId: workspace.id,
    accounts: { mastodon: mastodonAccount.id, x: xAccount.id },
    tokens: { mastodon: mastodonUser, x: xUser },
    discord,
    async stop() {
      // The app first: Socket Mode would otherwise keep reconnecting to a stopped emulator.
      await app.stop();
      await Promise.all([slack.stop(), mastodon.stop(), x.stop(), discordEmulator?.stop()]);
      await testDb.drop();
    },
  };
}

/** A port free on loopback now (the service binds it a moment later). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The author runs /post and fills the form; returns the app's answer to the submission. */
export async function draft(
  stack: Stack,
  o: {
    text: string;
    accounts: string[];
    when?: string;
    zone?: string;
    variants?: Record<string, string>;
    note?: string;
    media?: string[];
    user?: string;
    /** File objects from stack.slack.shareFile, picked in the form's file input. */
    files?: Record<string, unknown>[];
    /** Alt text per file, in order (the form's alt text field, one line each). */
    alt?: string[];
  },
) {
  const user = o.user ?? AUTHOR;
  const view = await opens(stack, user, () => stack.slack.slashCommand({ command: '/post', text: '', userId: user, channelId: CHANNEL }));
  const values: Record<string, Record<string, any>> = {
    text: { value: { type: 'plain_text_input', value: o.text } },
    targets: { value: { type: 'checkboxes', selected_options: o.accounts.map((value) => ({ value })) } },
    when: { value: { type: 'plain_text_input', value: o.when ?? 'now' } },
    zone: { value: { type: 'plain_text_input', value: o.zone ?? 'Europe/Berlin' } },
  };
  for (const [network, text] of Object.entries(o.variants ?? {})) values[`variant_${network}`] = { value: { type: 'plain_text_input', value: text } };
  if (o.media) values.media = { value: { type: 'plain_text_input', value: o.media.join('\n') } };
  if (o.note) values.note = { value: { type: 'plain_text_input', value: o.note } };
  if (o.files) values.files = { value: { type: 'file_input', files: o.files } };
  if (o.alt) values.alt = { value: { type: 'plain_text_input', value: o.alt.join('\n') } };
  return stack.slack.submitView({ userId: user, viewId: view.id, values });
}

/** The card in the approvals channel (the latest version after updates). */
export function card(stack: Stack, index = 0) {
  return stack.slack.channelMessages(APPROVALS)[index];
}

export function thread(stack: Stack, index = 0): string[] {
  const c = card(stack, index);
  return c ? stack.slack.threadReplies(APPROVALS, c.ts).map((m) => m.text) : [];
}

/** The value a card's button carries, found by action id. */
export function buttonValue(message: { blocks?: unknown[] } | undefined, actionId: string): string {
  for (const block of (message?.blocks ?? []) as { elements?: { action_id?: string; value?: string }[] }[]) {
    const button = block.elements?.find((e) => e.action_id === actionId);
    if (button?.value) return button.value;
  }
  throw new Error(`no button ${actionId} on the message`);
}

export async function click(stack: Stack, user: string, actionId: string, index = 0) {
  const c = card(stack, index)!;
  return stack.slack.clickButton({ userId: user, actionId, channelId: APPROVALS, messageTs: c.ts, value: buttonValue(c, actionId) });
}

/** Runs `act` and waits for the modal it opens for `user` (a new one, not one opened before). */
export async function opens(stack: Stack, user: string, act: () => Promise<unknown>) {
  const before = new Set(stack.slack.openModals(user).map((v) => v.id));
  await act();
  return stack.slack.waitFor(() => stack.slack.openModals(user).find((v) => !before.has(v.id)), { what: `a new modal for ${user}` });
}
