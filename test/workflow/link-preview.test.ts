import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OG_ARTICLE, startOgSite, type OgSite } from '../../emulators/og-site.ts';
import { findLinkPreview } from '../../src/db/link-previews.ts';
import { hashOf } from '../../src/workflow/compose.ts';
import { hashWithPreview } from '../../src/domain/link-preview.ts';
import { approve, waitForCard, waitForDelivery, waitUntil, withStack } from '../helpers/engine.ts';
import { APPROVALS, AUTHOR, CHANNEL, MANAGER, opens, type Stack } from '../helpers/greenlight.ts';

/**
 * Link preview cards end to end (issue 16): the form is answered, the page is read by the job through the
 * guarded client, the card and its image are stored with the post, the approval card shows it, the
 * content hash covers it, and publishing is never blocked by a page that cannot be read.
 */
let site: OgSite;
beforeAll(async () => {
  site = await startOgSite();
});
afterAll(async () => {
  await site.stop();
});

const ON = { env: () => ({ LINK_PREVIEW_TIMEOUT_MS: '3000' }) };

async function compose(stack: Stack, text: string, o: { noPreview?: boolean } = {}): Promise<string> {
  const view = await opens(stack, AUTHOR, () => stack.slack.slashCommand({ command: '/post', text: '', userId: AUTHOR, channelId: CHANNEL }));
  const values: Parameters<Stack['slack']['submitView']>[0]['values'] = {
    text: { value: { type: 'plain_text_input', value: text } },
    targets: { value: { type: 'checkboxes', selected_options: [{ value: stack.accounts.x }] } },
    when: { value: { type: 'plain_text_input', value: 'now' } },
    zone: { value: { type: 'plain_text_input', value: 'Europe/Berlin' } },
  };
  if (o.noPreview) values.link_preview = { value: { type: 'checkboxes', selected_options: [{ value: 'off' }] } };
  const res = await stack.slack.submitView({ userId: AUTHOR, viewId: view.id, values });
  expect(res.status).toBe(200);
  expect(res.body).toBeUndefined();
  const post = await stack.testDb.db.selectFrom('posts').select('id').where('text', '=', text).executeTakeFirstOrThrow();
  return post.id;
}

const blockText = (card: { blocks?: unknown[] }) => JSON.stringify(card.blocks ?? []);

describe.concurrent('link preview cards', () => {
  it('reads the card after the form, stores its image, shows it on the approval card, folds it into the hash, and publishes', () =>
    withStack(ON, async (stack) => {
      const text = `Our launch week recap: ${site.url}/redirect`;
      const postId = await compose(stack, text);
      const preview = await waitUntil(stack, 'the link card', async () => {
        const p = await findLinkPreview(stack.app.db, postId);
        return p?.status === 'ok' && p;
      });
      expect(preview).toMatchObject({ url: `${site.url}/redirect`, title: OG_ARTICLE.title, description: OG_ARTICLE.description, reason: null });
      // The image is stored as a JPEG thumbnail with the post, but is not one of the post's own files.
      const image = await stack.testDb.db.selectFrom('media').selectAll().where('id', '=', preview.imageMediaId!).executeTakeFirstOrThrow();
      expect(image).toMatchObject({ post_id: postId, content_type: 'image/jpeg', width: 1200, height: 630, sha256: preview.imageSha256 });

      const post = await stack.testDb.db.selectFrom('posts').selectAll().where('id', '=', postId).executeTakeFirstOrThrow();
      const base = hashOf(text, [{ accountId: stack.accounts.x, network: 'x' }], {}, [], post.publish_at);
      expect(post.content_hash).not.toBe(base);
      expect(post.content_hash).toBe(hashWithPreview(base, preview));

      const card = await waitForCard(stack, postId, (c) => blockText(c).includes('Launch week: what we shipped'));
      expect(blockText(card)).toContain('Link card with image');
      expect(blockText(card)).toContain('Five features in five days');

      // Approve as it was on the card before the link card arrived: refused, nothing approved.
      await stack.slack.clickButton({
        userId: MANAGER,
        actionId: 'approve',
        channelId: APPROVALS,
        messageTs: card.ts,
        value: `${postId}:${base.slice(0, 16)}`,
      });
      await waitUntil(stack, 'the refusal', () => stack.slack.ephemerals(MANAGER).find((e) => e.text.includes('changed after you saw it')));
      expect((await stack.testDb.db.selectFrom('posts').select('state').where('id', '=', postId).executeTakeFirstOrThrow()).state).toBe('in_review');

      await approve(stack, postId);
      await waitForDelivery(stack, postId, 'x', 'published');
      // X draws its own card from the link: the text goes out as written.
      expect(stack.x.posts.map((p) => p.text)).toEqual([text]);
    }));

  it('a page that cannot be read is no card, said on the card, and the post still publishes', () =>
    withStack({ env: () => ({ LINK_PREVIEW_TIMEOUT_MS: '300' }) }, async (stack) => {
      const text = `Slow page: ${site.url}/slow`;
      const postId = await compose(stack, text);
      const preview = await waitUntil(stack, 'the unreadable card', async () => {
        const p = await findLinkPreview(stack.app.db, postId);
        return p?.status === 'unreadable' && p;
      });
      expect(preview.reason).toBe('the page did not answer within 300 ms');
      await waitForCard(stack, postId, (c) => blockText(c).includes('Link card: none, the page did not answer within 300 ms'));
      await approve(stack, postId);
      await waitForDelivery(stack, postId, 'x', 'published');
    }));

  it('"no link preview" reads no page and says so on the card', () =>
    withStack(ON, async (stack) => {
      const before = site.requests.length;
      const postId = await compose(stack, `No card please: ${site.url}/plain`, { noPreview: true });
      expect(await findLinkPreview(stack.app.db, postId)).toMatchObject({ status: 'disabled' });
      await waitForCard(stack, postId, (c) => blockText(c).includes('the author chose no link preview'));
      expect(site.requests.slice(before).filter((r) => r.path === '/plain')).toEqual([]);
    }));
});
