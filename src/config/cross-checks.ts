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
  problems.push(...mediaStoreProblems(e));
  return problems;
}

function mediaStoreProblems(e: Parsed): string[] {
  const problems: string[] = [];
  const s3Settings = ['S3_BUCKET', 'S3_ENDPOINT', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY'] as const;
  if (e.MEDIA_STORE !== 's3') {
    const stray = s3Settings.filter((name) => e[name]);
    if (stray.length > 0)
      problems.push(`${stray.join(', ')}: set, but MEDIA_STORE is postgres; set MEDIA_STORE=s3 to keep media in the object store, or remove them`);
    return problems;
  }
  if (!e.S3_BUCKET) problems.push('S3_BUCKET: required with MEDIA_STORE=s3 (the bucket media files are stored in; Greenlight does not create it)');
  else if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(e.S3_BUCKET))
    problems.push(`S3_BUCKET: "${e.S3_BUCKET}" is not a bucket name (3-63 lowercase letters, digits, dots and hyphens)`);
  if (Boolean(e.S3_ACCESS_KEY_ID) !== Boolean(e.S3_SECRET_ACCESS_KEY)) {
    problems.push(
      "S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY: set both, or neither to use the AWS SDK's default credentials (environment, profile, instance role)",
    );
  }
  return problems;
}
