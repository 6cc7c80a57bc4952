import type { DiscordEmulator } from '../../emulators/discord.ts';
import type { startMastodonEmulator } from '../../emulators/mastodon.ts';
import type { SlackEmulator } from '../../emulators/slack.ts';
import type { startXEmulator } from '../../emulators/x.ts';
import type { Greenlight } from '../../src/service/start-service.ts';
import type { TestDatabase } from './db.ts';

/** The running product a test drives (greenlight.ts starts it; discord-stack.ts adds the Discord side). */
export interface Stack {
  app: Greenlight;
  slack: SlackEmulator;
  mastodon: Awaited<ReturnType<typeof startMastodonEmulator>>;
  x: Awaited<ReturnType<typeof startXEmulator>>;
  testDb: TestDatabase;
  workspaceId: string;
  accounts: { mastodon: string; x: string };
  /** The connected accounts' tokens at the emulators (to revoke one, or to post as the account directly). */
  tokens: { mastodon: { accessToken: string; accountId: string }; x: { accessToken: string; refreshToken: string; userId: string } };
  /** The Discord emulator and the guild's workspace, when started with `discord` (test/helpers/discord-stack.ts). */
  discord?: DiscordSide;
  stop(): Promise<void>;
}

export interface DiscordSide {
  emulator: DiscordEmulator;
  mode: 'http' | 'gateway';
  workspaceId: string;
  accounts: { mastodon: string; x: string };
  /** The accounts' tokens at the emulators (to revoke one). */
  tokens: { mastodon: { accessToken: string; accountId: string } };
}
