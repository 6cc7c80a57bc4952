import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOgSite, type OgSite } from '../../emulators/og-site.ts';
import { connectAccount } from '../../src/db/accounts.ts';
import { findDeliveryComment } from '../../src/db/first-comments.ts';
import { findLinkPreview } from '../../src/db/link-previews.ts';
import { createBlueskyAdapter, jwtExpiry } from '../../src/networks/bluesky.ts';
import { approve, deliveryOf, waitForCard, waitForDelivery, waitUntil, withStack } from '../helpers/engine.ts';
import { ADMIN, AUTHOR, CHANNEL, opens } from '../helpers/greenlight.ts';
import { startPds, type TestPds } from '../helpers/pds.ts';

/**
 * End to end against the real PDS (issue 16): a Bluesky post whose external card carries the page's image
 * (the stored thumbnail, uploaded as a blob), and its first comment as a reply, each once.
 */
let pds: TestPds;
let site: OgSite;
beforeAll(async () => {
  [pds, site] = await Promise.all([startPds(), startOgSite()]);
});
afterAll(async () => {
  await site?.stop();
  await pds?.stop();
});

describe('Bluesky link card and first comment', () => {
  it('publishes app.bsky.embed.external with the stored thumbnail, then the first comment as a reply', () =>
    withStack({ env: () => ({ LINK_PREVIEW_TIMEOUT_MS: '3000' }), adapters: { bluesky: createBlueskyAdapter({ timeoutMs: 5_000 }) } }, async (stack) => {
      const alice = await pds.createAccount('carda');
      const account = await connectAccount(stack.app.db, stack.app.cipher, {
        workspaceId: stack.workspaceId,
        network: 'bluesky',
        externalAccountId: alice.did,
        displayName: `@${alice.handle}`,
        instanceUrl: pds.url,
        connectedBy: ADMIN,
        credentials: { accessToken: alice.accessJwt, refreshToken: alice.refreshJwt, expiresAt: jwtExpiry(alice.accessJwt) },
      });
      const text = `Launch recap ${site.url}/article`;
      const view = await opens(stack, AUTHOR, () => stack.slack.slashCommand({ command: '/post', text: '', userId: AUTHOR, channelId: CHANNEL }));
      const res = await stack.slack.submitView({
        userId: AUTHOR,
        viewId: view.id,
        values: {
          text: { value: { type: 'plain_text_input', value: text } },
          targets: { value: { type: 'checkboxes', selected_options: [{ value: account.id }] } },
          when: { value: { type: 'plain_text_input', value: 'now' } },
          zone: { value: { type: 'plain_text_input', value: 'Europe/Berlin' } },
          comment_bluesky: { value: { type: 'plain_text_input', value: 'Details in the thread.' } },
        },
      });
      expect(res.body).toBeUndefined();
      const post = await stack.testDb.db.selectFrom('posts').select('id').where('text', '=', text).executeTakeFirstOrThrow();
      await waitForCard(stack, post.id, (c) => JSON.stringify(c.blocks).includes('Link card with image'));
      await approve(stack, post.id);
      await waitForDelivery(stack, post.id, 'bluesky', 'published');
      const delivery = await deliveryOf(stack, post.id, 'bluesky');
      const comment = await waitUntil(stack, 'the reply', async () => {
        const c = await findDeliveryComment(stack.app.db, delivery.id);
        return c?.state === 'published' && c;
      });

      const [, , did, collection, rkey] = delivery.external_id!.split('/');
      const record = await pds.xrpc('GET', 'com.atproto.repo.getRecord', { params: { repo: did!, collection: collection!, rkey: rkey! } });
      const embed = (record.json as { value: { embed: Record<string, any> } }).value.embed;
      expect(embed).toMatchObject({
        $type: 'app.bsky.embed.external',
        external: { uri: `${site.url}/article`, title: 'Launch week: what we shipped & why', thumb: { mimeType: 'image/jpeg' } },
      });
      // The thumbnail is the stored image the approver's card announced, byte for byte.
      const preview = await findLinkPreview(stack.app.db, post.id);
      const blob = await fetch(`${pds.url}/xrpc/com.atproto.sync.getBlob?did=${did}&cid=${embed.external.thumb.ref.$link}`);
      expect(
        createHash('sha256')
          .update(Buffer.from(await blob.arrayBuffer()))
          .digest('hex'),
      ).toBe(preview!.imageSha256);

      const [, , , , replyKey] = comment.external_id!.split('/');
      const reply = await pds.xrpc('GET', 'com.atproto.repo.getRecord', { params: { repo: did!, collection: collection!, rkey: replyKey! } });
      expect((reply.json as { value: Record<string, any> }).value).toMatchObject({
        text: 'Details in the thread.',
        reply: { root: { uri: delivery.external_id }, parent: { uri: delivery.external_id } },
      });
    }));
});
