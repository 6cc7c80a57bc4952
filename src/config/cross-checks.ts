import { discordProblems } from './discord.ts';
import type { Parsed } from './schema.ts';
import { slackAuthProblems } from './slack.ts';

const OAUTH_PREFIXES = ['X', 'LINKEDIN', 'THREADS', 'FACEBOOK'] as const;

/** Settings that are only wrong together (one of a pair, production's requirements, each chat's tokens). */
export function crossCheck(e: Parsed): string[] {
  const problems: string[] = [];
  if (Boolean(e.ENCRYPTION_KEYS) !== Boolean(e.ENCRYPTION_PRIMARY_KEY_ID)) {
    problems.push('ENCRYPTION_KEYS and ENCRYPTION_PRIMARY_KEY_ID: set both or neither');
  }
  if (e.NODE_ENV === 'production') {
    if (!e.DATABASE_URL) problems.push('DATABASE_URL: required in production (the embedded database is for laptops and demos)');
    if (!e.ENCRYPTION_KEYS) problems.push('ENCRYPTION_KEYS: required in production (generate one with `npm run keys -- generate`)');
    if (!e.STATE_SECRET) problems.push('STATE_SECRET: required in production (at least 32 random characters)');
    if (!e.PUBLIC_URL) problems.push('PUBLIC_URL: required in production (the address Slack, Discord and OAuth callbacks reach)');
  }
  for (const prefix of OAUTH_PREFIXES) {
    if (Boolean(e[`${prefix}_CLIENT_ID`]) !== Boolean(e[`${prefix}_CLIENT_SECRET`])) {
      problems.push(`${prefix}_CLIENT_ID and ${prefix}_CLIENT_SECRET: set both or neither (from the network's developer app)`);
    }
  }
  problems.push(...slackAuthProblems(e));
  if (e.SLACK_BOT_TOKEN && !e.SLACK_BOT_TOKEN.startsWith('xoxb-')) {
    problems.push('SLACK_BOT_TOKEN: expected a bot token starting with xoxb-');
  }
  if (e.SLACK_APP_TOKEN && !e.SLACK_APP_TOKEN.startsWith('xapp-')) {
    problems.push('SLACK_APP_TOKEN: expected an app-level token starting with xapp- (Socket Mode)');
  }
  problems.push(...discordProblems(e));
  return problems;
}
