import { sql } from 'kysely';
import { expect } from 'vitest';
import { ADMIN, AUTHOR } from '../helpers/greenlight.ts';
import type { oauthStack } from './oauth-stack.ts';

/** Every line Greenlight logs, at the most talkative level. */
export { logBuffer } from '../helpers/log-buffer.ts';

/**
 * Asserts that none of the secrets (named by where they came from) appears in the logs, the event log,
 * the stored errors or chat (Slack, and Discord when the stack runs it); a failure lists every leak, e.g. "linkedin #2 in logs".
 * `allowedInChat` are the few meant for chat (a connect link, a webhook secret shown once).
 */
export async function expectNowhere(
  stack: Awaited<ReturnType<typeof oauthStack>>,
  lines: string[],
  secrets: Record<string, string[]>,
  allowedInChat: string[] = [],
): Promise<void> {
  const { rows: events } = await sql<{ text: string }>`SELECT kind || ' ' || data::text AS text FROM events`.execute(stack.testDb.db);
  const { rows: errors } = await sql<{
    text: string;
  }>`SELECT coalesce(last_error::text, '') AS text FROM deliveries UNION ALL SELECT coalesce(last_error, '') FROM social_accounts`.execute(stack.testDb.db);
  // What Greenlight said in Slack, and every body it sent to Discord (messages, follow-ups, interaction answers).
  const chat = JSON.stringify([
    ...stack.slack.callsTo('chat.postMessage'),
    ...stack.slack.ephemerals(ADMIN),
    ...stack.slack.ephemerals(AUTHOR),
    ...(stack.discord?.emulator.requests.map((r) => r.body) ?? []),
  ]);
  const places = { logs: lines.join(''), events: events.map((e) => e.text).join('\n'), errors: errors.map((e) => e.text).join('\n'), chat };
  const leaks: string[] = [];
  for (const [source, list] of Object.entries(secrets)) {
    for (const [i, secret] of list.entries()) {
      expect(secret.length, `${source} #${i} is too short to search for`).toBeGreaterThanOrEqual(8);
      for (const [where, text] of Object.entries(places)) {
        if (where === 'chat' && allowedInChat.includes(secret)) continue;
        if (text.includes(secret)) leaks.push(`${source} #${i} in ${where}`);
      }
    }
  }
  expect(leaks).toEqual([]);
}
