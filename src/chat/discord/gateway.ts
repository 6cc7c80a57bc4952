import { Client, Events, GatewayDispatchEvents, GatewayIntentBits } from 'discord.js';
import { inRequest } from '../../log.ts';
import type { Metrics } from '../../metrics.ts';
import type { DiscordEdge } from './edge-context.ts';
import { handleInteraction } from './interactions.ts';
import { parseInteraction, type InteractionResponse } from './types.ts';

/** How long to wait for READY before giving up on start. */
const READY_TIMEOUT_MS = 30_000;

/**
 * Gateway mode, for deployments without a public URL: discord.js's Client holds the connection
 * (heartbeats, resumes) and hands over each INTERACTION_CREATE as Discord sent it; the same
 * handlers answer through the callback route. Only the Guilds intent: no privileged ones needed.
 */
export async function startGateway(edge: DiscordEdge, config: { botToken: string; apiUrl: string }, metrics: Metrics): Promise<{ stop: () => Promise<void> }> {
  const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: config.apiUrl } });
  client.ws.on(GatewayDispatchEvents.InteractionCreate, (data: unknown) => {
    const interaction = parseInteraction(data);
    if (!interaction) return edge.log.warn('a malformed INTERACTION_CREATE was ignored');
    const started = process.hrtime.bigint();
    const respond = async (response: InteractionResponse) => {
      await edge.rest.post(`/interactions/${interaction.id}/${interaction.token}/callback`, { body: response, auth: false });
      metrics.interactionAck.observe({ chat: 'discord', kind: 'gateway' }, Number(process.hrtime.bigint() - started) / 1e9);
    };
    // No HTTP request here: each interaction is a request of its own for the logs.
    inRequest(() => void handleInteraction(edge, interaction, respond));
  });
  client.on(Events.Error, (error) => edge.log.error({ err: error }, 'Discord gateway error'));
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no READY from the Discord gateway within ${READY_TIMEOUT_MS / 1000} s`)), READY_TIMEOUT_MS);
    client.once(Events.ClientReady, () => {
      clearTimeout(timer);
      resolve();
    });
  });
  try {
    await client.login(config.botToken);
    await ready;
  } catch (error) {
    await client.destroy();
    throw new Error(`Discord gateway login failed: ${error instanceof Error ? error.message : String(error)}. Check DISCORD_BOT_TOKEN.`, { cause: error });
  }
  edge.log.info({ user: client.user?.tag }, 'Discord connected over the gateway');
  return { stop: () => client.destroy() };
}
