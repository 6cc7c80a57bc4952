import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInstagramEmulator, type InstagramEmulator } from '../../emulators/instagram.ts';
import { connectAccount } from '../../src/db/accounts.ts';
import { findDeliveryComment } from '../../src/db/first-comments.ts';
import { createInstagramAdapter } from '../../src/networks/instagram.ts';
import { approve, deliveryOf, waitForDelivery, waitForReply, waitUntil, withStack } from '../helpers/engine.ts';
import { ADMIN, draft } from '../helpers/greenlight.ts';

/** An Instagram post with a first comment (issue 16): the media, then its comment through /{ig-media-id}/comments, once. */
let ig: InstagramEmulator;
beforeAll(async () => {
  ig = await startInstagramEmulator();
});
afterAll(async () => {
  await ig?.stop();
});

describe('Instagram first comment', () => {
  it('comments on the published media as the account; the receipt links the post', () =>
    withStack({ adapters: { instagram: createInstagramAdapter({ baseUrl: ig.url, timeoutMs: 2_000, pollMs: 1 }) } }, async (stack) => {
      const t = ig.issueToken('17841400000000077', 'acme.studio');
      const account = await connectAccount(stack.app.db, stack.app.cipher, {
        workspaceId: stack.workspaceId,
        network: 'instagram',
        externalAccountId: t.userId,
        displayName: '@acme.studio',
        connectedBy: ADMIN,
        credentials: { accessToken: t.accessToken },
      });
      const text = 'Studio picture with a first comment.';
      const res = await draft(stack, { text, accounts: [account.id], media: [ig.imageUrl], comments: { instagram: '#studio more in bio' } });
      expect(res.body).toBeUndefined();
      const post = await stack.testDb.db.selectFrom('posts').select('id').where('text', '=', text).executeTakeFirstOrThrow();
      await approve(stack, post.id);
      await waitForDelivery(stack, post.id, 'instagram', 'published');
      const delivery = await deliveryOf(stack, post.id, 'instagram');
      const comment = await waitUntil(stack, 'the comment', async () => {
        const c = await findDeliveryComment(stack.app.db, delivery.id);
        return c?.state === 'published' && c;
      });
      expect(ig.media.map((m) => m.caption)).toEqual([text]);
      expect(ig.comments).toEqual([{ id: comment.external_id, mediaId: delivery.external_id, userId: t.userId, message: '#studio more in bio' }]);
      await waitForReply(stack, post.id, 'the comment receipt', (r) => r.startsWith('First comment on Instagram is up'));
    }));
});
