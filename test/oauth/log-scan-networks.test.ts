import { describe, expect, it } from 'vitest';
import type { Network } from '../../src/domain/networks.ts';
import { createInstagramAdapter } from '../../src/networks/instagram.ts';
import { ADMIN, CHANNEL, draft } from '../helpers/greenlight.ts';
import { approve, waitForDelivery } from '../helpers/engine.ts';
import { dCards, dDraft, discordOf } from '../helpers/discord-stack.ts';
import { startPds } from '../helpers/pds.ts';
import { startFacebookEmulator } from '../../emulators/facebook.ts';
import { startInstagramEmulator } from '../../emulators/instagram.ts';
import { startLinkedInEmulator } from '../../emulators/linkedin.ts';
import { startThreadsEmulator } from '../../emulators/threads.ts';
import { startWebhookReceiver } from '../../emulators/webhook-receiver.ts';
import { browse, chatLink, formToken, oauthStack, submitForm } from './oauth-stack.ts';
import { expectNowhere, logBuffer } from './secret-scan.ts';

/**
 * The second half of the log scan (log-scan.test.ts has X and Mastodon through OAuth, refresh, revoke and
 * reconnect): LinkedIn, Facebook, Instagram and Threads through OAuth, Bluesky through its app-password form
 * against the real PDS, the webhook network through its form, all eight published to, with the Discord edge and an
 * outgoing webhook on, then every secret any emulator issued is searched for in the logs, the event log,
 * the stored errors and chat.
 */
describe('no token in logs, chat, errors or the event log, on every network', () => {
  it('after connecting six networks through their sign-in flows and publishing to all eight', async () => {
    const { lines, log } = logBuffer();
    const [linkedin, facebook, instagram, threads, blog, crm, pds] = await Promise.all([
      startLinkedInEmulator({ clientSecret: 'secret-1-linkedin' }),
      startFacebookEmulator({ clientId: 'fb-app', clientSecret: 'fb-app-secret-scan' }),
      startInstagramEmulator(),
      startThreadsEmulator({ clientId: 'th-app', clientSecret: 'th-app-secret-scan' }),
      startWebhookReceiver('/hooks/blog'),
      startWebhookReceiver('/hooks/crm'),
      startPds(),
    ]);
    const stack = await oauthStack({
      log,
      discord: 'http',
      env: () => ({
        LINKEDIN_CLIENT_ID: 'client-1',
        LINKEDIN_CLIENT_SECRET: 'secret-1-linkedin',
        LINKEDIN_AUTH_URL: `${linkedin.url}/oauth/v2`,
        LINKEDIN_API_URL: linkedin.url,
        FACEBOOK_CLIENT_ID: 'fb-app',
        FACEBOOK_CLIENT_SECRET: 'fb-app-secret-scan',
        FACEBOOK_AUTH_URL: `${facebook.url}/v24.0/dialog/oauth`,
        FACEBOOK_API_URL: facebook.url,
        THREADS_CLIENT_ID: 'th-app',
        THREADS_CLIENT_SECRET: 'th-app-secret-scan',
        THREADS_AUTH_URL: `${threads.url}/oauth/authorize`,
        THREADS_API_URL: threads.url,
        BLUESKY_SERVICE_URL: pds.url,
      }),
      // Instagram's adapter would share FACEBOOK_API_URL with Facebook's; here it has its own emulator.
      adapters: { instagram: createInstagramAdapter({ baseUrl: instagram.url, timeoutMs: 2_000 }) },
    });
    try {
      const accounts: Partial<Record<Network, string>> = { x: stack.accounts.x, mastodon: stack.accounts.mastodon };
      const shownOnce: string[] = [];

      // LinkedIn through its OAuth callback (its consent screen is not emulated: the code it would send).
      const start = await fetch(await chatLink(stack, ADMIN, 'linkedin'), { redirect: 'manual' });
      const authorize = new URL(start.headers.get('location')!);
      const redirectUri = authorize.searchParams.get('redirect_uri')!;
      const code = linkedin.issueCode('urn:li:person:scan1', { redirectUri });
      expect((await browse(`${redirectUri}?code=${code}&state=${encodeURIComponent(authorize.searchParams.get('state')!)}`)).status).toBe(200);

      // Bluesky with an app password against the real PDS.
      const ana = await pds.createAccount('scan');
      const bsky = formToken((await browse(await chatLink(stack, ADMIN, 'bluesky'))).body);
      expect(
        (await submitForm(`${stack.publicUrl}/connect/bluesky`, { t: bsky, identifier: ana.handle, password: ana.appPassword, service: pds.url })).status,
      ).toBe(200);

      // The webhook network: its signing secret is shown once, on the page.
      const hook = formToken((await browse(await chatLink(stack, ADMIN, 'webhook'))).body);
      const shown = await submitForm(`${stack.publicUrl}/connect/webhook`, { t: hook, url: blog.url });
      shownOnce.push(/<code id="secret">(whsec_[A-Za-z0-9_-]+)<\/code>/.exec(shown.body)![1]!);

      // Meta's networks through their sign-in (Facebook Login for Facebook and Instagram, Threads' own).
      const ana2 = facebook.login.addUser('Ana Ruiz', [
        { name: 'Scan Page', tasks: ['CREATE_CONTENT'], instagram: { id: '17841400000000099', username: 'scan.studio' } },
      ]);
      facebook.login.consent = { userId: ana2.userId };
      threads.login.consent = { userId: '27000000099', username: 'scan.threads' };
      for (const network of ['facebook', 'instagram', 'threads'] as const)
        expect((await browse(await chatLink(stack, ADMIN, network))).status, network).toBe(200);
      instagram.trustToken(ana2.pages[0]!.accessToken, '17841400000000099', 'scan.studio');
      for (const row of await stack.testDb.db
        .selectFrom('social_accounts')
        .select(['id', 'network'])
        .where('workspace_id', '=', stack.workspaceId)
        .where('status', '=', 'connected')
        .execute()) {
        accounts[row.network] ??= row.id;
      }

      // An outgoing webhook: its secret is shown once, in the admin's ephemeral answer.
      const before = stack.slack.ephemerals(ADMIN).length;
      await stack.slack.slashCommand({ command: '/greenlight', text: `webhooks add ${crm.url}`, userId: ADMIN, channelId: CHANNEL });
      const added = await stack.slack.waitFor(
        () =>
          stack.slack
            .ephemerals(ADMIN)
            .slice(before)
            .find((e) => e.text.includes('Signing secret')),
        { what: 'the webhook secret' },
      );
      const subscriptionSecret = /(whsec_[A-Za-z0-9_-]+)/.exec(added.text)![1]!;

      // One post to the seven that take text alone, one with an image to Instagram.
      const text = 'Scanned on every network.';
      const targets: Network[] = ['x', 'mastodon', 'linkedin', 'bluesky', 'facebook', 'threads', 'webhook'];
      expect((await draft(stack, { text, accounts: targets.map((n) => accounts[n]!) })).body).toBeUndefined();
      expect((await draft(stack, { text: 'Scanned with a picture.', accounts: [accounts.instagram!], media: [instagram.imageUrl] })).body).toBeUndefined();
      for (const [postText, networks] of [
        [text, targets],
        ['Scanned with a picture.', ['instagram']],
      ] as const) {
        const post = await stack.testDb.db.selectFrom('posts').select('id').where('text', '=', postText).executeTakeFirstOrThrow();
        await approve(stack, post.id);
        for (const network of networks) await waitForDelivery(stack, post.id, network, 'published');
      }
      await crm.waitFor(() => crm.accepted.length > 0, 'an outgoing webhook event');
      // The Discord edge at work with its bot token: a post composed there gets its card in the mod queue.
      await dDraft(stack, { text: 'Scanned from Discord.', accounts: [discordOf(stack).accounts.mastodon] });
      await stack.slack.waitFor(() => dCards(stack).find((c) => JSON.stringify(c.embeds).includes('Scanned from Discord.')), { what: 'the Discord card' });

      const issued = {
        // Instagram's token is the Page token Facebook Login handed out: it is in Facebook's list.
        linkedin: linkedin.issued,
        facebook: facebook.issued,
        threads: threads.issued,
        bluesky: pds.issued,
        x: stack.x.issued,
        mastodon: stack.mastodon.issued,
      };
      for (const [network, list] of Object.entries(issued)) expect(list.length, `${network} issued nothing`).toBeGreaterThan(0);
      expect(pds.issued).toContain(ana.appPassword);
      expect(facebook.issued).toContain(ana2.pages[0]!.accessToken);
      const secrets = {
        ...issued,
        'webhook network': shownOnce,
        'outgoing webhook': [subscriptionSecret],
        slack: [stack.slack.botToken],
        discord: [stack.discord!.emulator.botToken],
        'oauth clients': ['secret-1-linkedin', 'fb-app-secret-scan', 'th-app-secret-scan'],
      };
      expect(lines.join('')).toContain('account connected');
      await expectNowhere(stack, lines, secrets, [subscriptionSecret]);
    } finally {
      await stack.stop();
      await Promise.all([linkedin.stop(), facebook.stop(), instagram.stop(), threads.stop(), blog.stop(), crm.stop(), pds.stop()]);
    }
  });
});
