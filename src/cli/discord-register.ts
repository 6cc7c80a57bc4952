import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { REST } from '@discordjs/rest';
import { createRest } from '../chat/discord/discord-app.ts';
import { ConfigError, loadConfig } from '../config/load.ts';

export const MANIFEST_PATH = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../manifests/discord-commands.json');

/**
 * Registers manifests/discord-commands.json with a bulk overwrite: in one guild (appears at once,
 * for trying things out) or globally (every guild the bot is in). Returns what Discord stored.
 */
export async function registerCommands(rest: REST, applicationId: string, guildId?: string): Promise<{ name: string }[]> {
  const commands = JSON.parse(await readFile(MANIFEST_PATH, 'utf8')) as unknown[];
  const route = guildId ? `/applications/${applicationId}/guilds/${guildId}/commands` : `/applications/${applicationId}/commands`;
  return (await rest.put(route as `/${string}`, { body: commands })) as { name: string }[];
}

/** `npm run discord:register [-- --guild <id>]`, with DISCORD_BOT_TOKEN and DISCORD_APPLICATION_ID set. */
async function main(argv: string[]): Promise<void> {
  const at = argv.indexOf('--guild');
  const guildId = at >= 0 ? argv[at + 1] : undefined;
  if (at >= 0 && !/^\d{17,20}$/.test(guildId ?? '')) throw new Error('--guild takes a guild (server) id of 17 to 20 digits');
  const config = loadConfig(process.env);
  if (!config.discord) throw new Error('set DISCORD_BOT_TOKEN and DISCORD_APPLICATION_ID (see .env.example)');
  const rest = createRest(config.discord);
  try {
    const stored = await registerCommands(rest, config.discord.applicationId, guildId);
    console.log(`discord:register: ${stored.map((c) => `/${c.name}`).join(', ')} registered ${guildId ? `in guild ${guildId}` : 'globally'}`);
  } finally {
    rest.clearHashSweeper();
    rest.clearHandlerSweeper();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    if (error instanceof ConfigError) process.stderr.write(`${error.message}\n`);
    else process.stderr.write(`discord:register failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
