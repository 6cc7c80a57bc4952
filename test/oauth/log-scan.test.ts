import { describe, expect, it } from 'vitest';
import { connectAccount, decryptCredentials } from '../../src/db/accounts.ts';
import { ADMIN, APPROVALS, AUTHOR } from '../helpers/greenlight.ts';
import { submit, waitForDelivery, waitForReply } from '../helpers/engine.ts';
import { X_CLIENT, browse, chatLink, formToken, oauthStack, submitForm } from './oauth-stack.ts';
import { expectNowhere, logBuffer } from './secret-scan.ts';

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
        workspaceId: stack.workspaceId,
        network: 'x',
        externalAccountId: '3003',
        displayName: account.display_name,
        connectedBy: ADMIN,
        credentials: { ...creds, expiresAt: new Date(Date.now() + 30_000) },
      });
      await stack.testDb.db.updateTable('social_accounts').set({ status: 'disconnected' }).where('id', '=', stack.accounts.x).execute();
      stack.accounts.x = account.id;
      const first = await submit(stack, { text: 'Refreshed, then published.', networks: ['x'] });
      await waitForDelivery(stack, first, 'x', 'published');

      // Revoked: the prompt, a reconnect through its link, Retry.
      const current = decryptCredentials(
        stack.app.cipher,
        await stack.testDb.db.selectFrom('social_accounts').selectAll().where('id', '=', account.id).executeTakeFirstOrThrow(),
      );
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
      secrets.push(...stack.x.issued, ...stack.mastodon.issued, stack.slack.botToken, X_CLIENT.secret);
      for (const r of stack.x.requests) {
        const verifier = (r.body as Record<string, string> | undefined)?.code_verifier;
        if (verifier) secrets.push(verifier);
      }
      expect(stack.x.issued.length).toBeGreaterThan(6);
      expect(lines.length).toBeGreaterThan(20);
      expect(lines.join('')).toContain('account connected');

      await expectNowhere(stack, lines, { 'x, mastodon, slack, flow': secrets }, [linkToken]);
    } finally {
      await stack.stop();
    }
  });
});
