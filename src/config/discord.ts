import type { Config, Parsed } from './schema.ts';

/** Discord's part of the configuration: a bot token and application id, over HTTP interactions or the gateway. */

export function discordProblems(e: Parsed): string[] {
  const problems: string[] = [];
  if ((e.DISCORD_APPLICATION_ID || e.DISCORD_PUBLIC_KEY || e.DISCORD_MODE) && !e.DISCORD_BOT_TOKEN) {
    problems.push("DISCORD_BOT_TOKEN: required when Discord is configured (the token from the developer portal's Bot page)");
  }
  if (e.DISCORD_BOT_TOKEN && !/^[\w-]+\.[\w-]+\.[\w-]+$/.test(e.DISCORD_BOT_TOKEN)) {
    problems.push('DISCORD_BOT_TOKEN: expected a bot token of three dot-separated parts (without a "Bot " prefix)');
  }
  if (e.DISCORD_BOT_TOKEN && !e.DISCORD_APPLICATION_ID) {
    problems.push("DISCORD_APPLICATION_ID: required with DISCORD_BOT_TOKEN (the Application ID on the portal's General Information page)");
  }
  if (e.DISCORD_APPLICATION_ID && !/^\d{17,20}$/.test(e.DISCORD_APPLICATION_ID)) {
    problems.push('DISCORD_APPLICATION_ID: expected a numeric id of 17 to 20 digits');
  }
  if (e.DISCORD_PUBLIC_KEY && !/^[0-9a-f]{64}$/i.test(e.DISCORD_PUBLIC_KEY)) {
    problems.push("DISCORD_PUBLIC_KEY: expected the 64 hex characters of the portal's Public Key");
  }
  if (e.DISCORD_MODE === 'http' && !e.DISCORD_PUBLIC_KEY) {
    problems.push("DISCORD_PUBLIC_KEY: required with DISCORD_MODE=http to verify Discord's requests (or use DISCORD_MODE=gateway, no public URL needed)");
  }
  return problems;
}

/** HTTP interactions when a public key is given (or DISCORD_MODE says so), else the gateway. */
export function discordConfig(e: Parsed): Config['discord'] {
  if (!e.DISCORD_BOT_TOKEN || !e.DISCORD_APPLICATION_ID) return undefined;
  const base = { botToken: e.DISCORD_BOT_TOKEN, applicationId: e.DISCORD_APPLICATION_ID, apiUrl: e.DISCORD_API_URL.replace(/\/+$/, '') };
  const mode = e.DISCORD_MODE ?? (e.DISCORD_PUBLIC_KEY ? 'http' : 'gateway');
  if (mode === 'http') return { ...base, mode, publicKey: e.DISCORD_PUBLIC_KEY! };
  return { ...base, mode, publicKey: e.DISCORD_PUBLIC_KEY };
}
