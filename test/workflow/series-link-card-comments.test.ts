import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLinkedInEmulator, type LinkedInEmulator } from '../../emulators/linkedin.ts';
import { OG_ARTICLE, startOgSite, type OgSite } from '../../emulators/og-site.ts';
import { connectAccount } from '../../src/db/accounts.ts';
import { findDeliveryComment } from '../../src/db/first-comments.ts';
import { findLinkPreview } from '../../src/db/link-previews.ts';
import { createLinkedInAdapter } from '../../src/networks/linkedin.ts';
import { approve, waitForCard, waitForDelivery, waitUntil, wakeJobNow, withStack } from '../helpers/engine.ts';
import { ADMIN, draft } from '../helpers/greenlight.ts';

/**
 * A later occurrence of a series publishes with the series' link card and first comment, as the head post
 * does (it has none of its own: one card read, one comment typed, for every occurrence).
 */
let site: OgSite;
let li: LinkedInEmulator;
beforeAll(async () => {
  [site, li] = await Promise.all([startOgSite(), startLinkedInEmulator()]);
});
afterAll(async () => {
  await Promise.all([site?.stop(), li?.stop()]);
});

describe('series occurrences', () => {
  it('the second occurrence goes out with the head’s link card (LinkedIn article with its thumbnail) and its first comment, once', () =>
    withStack(
      { env: () => ({ LINK_PREVIEW_TIMEOUT_MS: '3000' }), adapters: { linkedin: createLinkedInAdapter({ baseUrl: li.url, timeoutMs: 2_000 }) } },
      async (stack) => {
        const t = li.issueToken('urn:li:organization:4242');
        const account = await connectAccount(stack.app.db, stack.app.cipher, {
          workspaceId: stack.workspaceId,
          network: 'linkedin',
          externalAccountId: t.author,
          displayName: 'Acme (company page)',
          connectedBy: ADMIN,
          credentials: { accessToken: t.accessToken, refreshToken: t.refreshToken },
        });
        const text = `This week on the blog: ${site.url}/redirect`;
        const res = await draft(stack, {
          text,
          accounts: [account.id],
          when: '2027-06-07 09:00, every week 3 times',
          comments: { linkedin: 'Subscribe below.' },
        });
        expect(res.body).toBeUndefined();
        const posts = await stack.testDb.db.selectFrom('posts').select(['id']).where('text', '=', text).orderBy('publish_at').execute();
        expect(posts).toHaveLength(3);
        const [head, second] = posts as [{ id: string }, { id: string }];
        await waitUntil(stack, 'the link card', async () => (await findLinkPreview(stack.app.db, head.id))?.status === 'ok');
        await waitForCard(stack, head.id, (c) => JSON.stringify(c.blocks).includes('Link card with image'));
        await approve(stack, head.id);

        const delivery = await waitForDelivery(stack, second.id, 'linkedin', 'pending');
        // As if its time had come.
        await stack.testDb.db.updateTable('deliveries').set({ due_at: new Date() }).where('id', '=', delivery.id).execute();
        await wakeJobNow(stack, delivery.id);
        const published = await waitForDelivery(stack, second.id, 'linkedin', 'published');
        await waitUntil(stack, 'the comment', async () => (await findDeliveryComment(stack.app.db, delivery.id))?.state === 'published');

        expect(li.posts).toHaveLength(1);
        expect(li.posts[0]!.article).toMatchObject({ source: `${site.url}/redirect`, title: OG_ARTICLE.title });
        expect(li.posts[0]!.article?.thumbnail).toMatch(/^urn:li:image:/);
        expect(li.comments.map((c) => [c.object, c.text])).toEqual([[published.external_id, 'Subscribe below.']]);
      },
    ));
});
