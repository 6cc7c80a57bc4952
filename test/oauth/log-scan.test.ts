import { Writable } from 'node:stream';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { connectAccount, decryptCredentials } from '../../src/db/accounts.ts';
import { createLogger } from '../../src/log.ts';
import { ADMIN, APPROVALS, AUTHOR } from '../helpers/greenlight.ts';
import { submit, waitForDelivery, waitForReply } from '../helpers/engine.ts';
import { browse, chatLink, formToken, oauthStack, submitForm } from './oauth-stack.ts';

/** Every line Greenlight logs, at the most talkative level. */
function logBuffer() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { lines, log: createLogger({ level: 'trace' }, stream) };
}

describe('no token in logs, chat, errors or the event log', () => {
  it('after connecting, refreshing, a revoke, a refused and a replayed sign-in, a reconnect and a retry', async () => {
    const { lines, log } = logBuffer();
    const stack = await oauthStack({ log });
    const secrets: string[] = [];
    try {
      // Connect X through the flow and publish, with a refresh first.
      stack.x.consent = { userId: '3003' };
      const connected = await browse(await chatLink(stack, ADMIN, 'x'));
      expect(connected.status).toBe(200);
      // The link token is meant for chat (the ephemeral answer); nowhere else. The callback URL, its state and code: nowhere.
      const linkToken = new URL(connected.hops[0]!.url).searchParams.get('t')!;
      secrets.push(connected.url, new URL(connected.url).searchParams.get('state')!, linkToken);
      expect((await browse(connected.url)).status).toBe(409); // replayed
      stack.x.consent = { error: 'access_denied' };
      expect((await browse(await chatLink(stack, ADMIN, 'x'))).status).toBe(400);
      stack.x.consent = {};

      const account = await stack.testDb.db.selectFrom('social_accounts').selectAll().where('external_account_id', '=', '3003').executeTakeFirstOrThrow();
      const creds = decryptCredentials(stack.app.cipher, account);
      await connectAccount(stack.app.db, stack.app.cipher, {
        workspaceId: stack.workspaceId, network: 'x', externalAccountId: '3003', displayName: account.display_name, connectedBy: ADMIN,
        credentials: { ...creds, expiresAt: new Date(Date.now() + 30_000) },
      });
      await stack.testDb.db.updateTable('social_accounts').set({ status: 'disconnected' }).where('id', '=', stack.accounts.x).execute();
      stack.accounts.x = account.id;
      const first = await submit(stack, { text: 'Refreshed, then published.', networks: ['x'] });
      await waitForDelivery(stack, first, 'x', 'published');

      // Revoked: the prompt, a reconnect through its link, Retry.
      const current = decryptCredentials(stack.app.cipher, (await stack.testDb.db.selectFrom('social_accounts').selectAll().where('id', '=', account.id).executeTakeFirstOrThrow()));
      stack.x.revokeToken(current.accessToken);
      const second = await submit(stack, { text: 'After a revoke.', networks: ['x'] });
      const failed = await waitForDelivery(stack, second, 'x', 'needs_reconnect');
      const prompt = await waitForReply(stack, second, 'the prompt', (t) => t.startsWith('X failed'));
      const reconnect = JSON.stringify(prompt.blocks).match(/"url":"([^"]+)"/)![1]!;
      stack.x.consent = { userId: '3003' };
      expect((await browse(reconnect)).status).toBe(200);
      const note = await waitForReply(stack, second, 'reconnected', (t) => t === 'X reconnected: press Retry.');
      await stack.slack.clickButton({ userId: AUTHOR, actionId: 'retry_delivery', channelId: APPROVALS, messageTs: note.ts, value: failed.id });
      await waitForDelivery(stack, second, 'x', 'published');

      // A Mastodon connect through the form.
      const t = formToken((await browse(await chatLink(stack, ADMIN, 'mastodon'))).body);
      expect((await submitForm(`${stack.publicUrl}/connect/mastodon`, { t, instance: stack.mastodon.url })).status).toBe(200);

      // Every secret the emulators handed out, and the verifiers Greenlight sent.
      secrets.push(...stack.x.issued, ...stack.mastodon.issued, stack.slack.botToken);
      for (const r of stack.x.requests) {
        const verifier = (r.body as Record<string, string> | undefined)?.code_verifier;
        if (verifier) secrets.push(verifier);
      }
      expect(stack.x.issued.length).toBeGreaterThan(6);
      expect(lines.length).toBeGreaterThan(20);
      expect(lines.join('')).toContain('account connected');

      const { rows: events } = await sql<{ text: string }>`SELECT kind || ' ' || data::text AS text FROM events`.execute(stack.testDb.db);
      const { rows: errors } = await sql<{ text: string }>`SELECT coalesce(last_error::text, '') AS text FROM deliveries UNION ALL SELECT coalesce(last_error, '') FROM social_accounts`.execute(stack.testDb.db);
      const chat = JSON.stringify([...stack.slack.callsTo('chat.postMessage'), ...stack.slack.ephemerals(ADMIN), ...stack.slack.ephemerals(AUTHOR)]);
      const places = { logs: lines.join(''), events: events.map((e) => e.text).join('\n'), errors: errors.map((e) => e.text).join('\n'), chat };
      for (const secret of secrets) {
        for (const [where, text] of Object.entries(places)) {
          if (where === 'chat' && secret === linkToken) continue;
          expect(text.includes(secret), `secret #${secrets.indexOf(secret)} appeared in ${where}`).toBe(false);
        }
      }
    } finally {
      await stack.stop();
    }
  });
});
