import { REST } from '@discordjs/rest';
import type { Config } from '../../config/load.ts';
import type { Mount } from '../../http/server.ts';
import type { Logger } from '../../log.ts';
import type { Metrics } from '../../metrics.ts';
import type { WorkflowDeps } from '../../workflow/deps.ts';
import { discordFileSource } from './chat-files.ts';
import { createDiscordChatPort } from './discord-chat-port.ts';
import type { DiscordEdge } from './edge-context.ts';
import { interactionsListener } from './http-endpoint.ts';

type DiscordConfig = NonNullable<Config['discord']>;

/** One REST client for everything we send, in both modes (rate limits are tracked per client). */
export function createRest(config: { botToken: string; apiUrl: string }): REST {
  return new REST({ api: config.apiUrl, version: '10', retries: 2, timeout: 10_000 }).setToken(config.botToken);
}

/**
 * The Discord edge: HTTP interactions mounted at /discord/interactions, or the gateway through
 * discord.js's Client. Built in two steps, like Slack's: the workflow needs the chat port before
 * the handlers need the workflow.
 */
export async function createDiscordEdge(config: DiscordConfig, log: Logger, metrics: Metrics) {
  const discordLog = log.child({ chat: 'discord' });
  const rest = createRest(config);
  try {
    await rest.get('/users/@me');
  } catch (error) {
    throw new Error(`Discord refused the bot token (GET /users/@me): ${error instanceof Error ? error.message : String(error)}. Check DISCORD_BOT_TOKEN.`, {
      cause: error,
    });
  }
  const release = () => {
    rest.clearHashSweeper();
    rest.clearHandlerSweeper();
  };

  return {
    port: (db: WorkflowDeps['db']) => createDiscordChatPort(rest, db),
    /** Reads files attached on Discord (CDN links) for the copy into the media store. */
    files: discordFileSource(),
    async start(deps: WorkflowDeps): Promise<{ mounts: Mount[]; stop: () => Promise<void> }> {
      const edge: DiscordEdge = { deps, rest, applicationId: config.applicationId, log: discordLog };
      if (config.mode === 'http') {
        return { mounts: [{ prefix: '/discord', listener: interactionsListener(edge, config.publicKey, metrics) }], stop: async () => release() };
      }
      // discord.js's Client is loaded only in gateway mode: an HTTP-mode process never pays for it.
      const { startGateway } = await import('./gateway.ts');
      const gateway = await startGateway(edge, config, metrics);
      return {
        mounts: [],
        stop: async () => {
          await gateway.stop();
          release();
        },
      };
    },
  };
}
