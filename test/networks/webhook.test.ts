import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifySignature } from '../../src/crypto/webhook-signature.ts';
import type { Credentials, PublishRequest, PublishedPart } from '../../src/networks/adapter.ts';
import { createWebhookAdapter, publishBody } from '../../src/networks/webhook.ts';
import { setOutboundPolicy } from '../../src/networks/outbound.ts';
import { connectAccount } from '../../src/db/accounts.ts';
import { ADMIN, draft, startStack } from '../helpers/greenlight.ts';
import { approve, waitForDelivery } from '../helpers/engine.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../../emulators/webhook-receiver.ts';
import { logBuffer } from '../oauth/secret-scan.ts';
import { failure } from '../helpers/network-harness.ts';

let blog: WebhookReceiver;
beforeEach(async () => {
  blog = await startWebhookReceiver('/api/greenlight');
});
afterEach(async () => {
  await blog.stop();
});

const SECRET = 'whsec_test-secret-for-the-blog';
const creds = (): Credentials => ({ accessToken: SECRET, accountId: blog.url, instanceUrl: blog.url });

function publishRequest(text = 'Our new post', extra: Partial<PublishRequest> = {}) {
  const reported: PublishedPart[] = [];
  const req: PublishRequest = {
    deliveryId: '6f1c7d1e-0000-4000-8000-000000000001',
    parts: [text],
    media: [{ url: 'https://cdn.example.com/a.png', alt: 'A chart' }],
    publishedParts: [],
    onPartPublished: async (part) => void reported.push(part),
    signal: new AbortController().signal,
    ...extra,
  };
  return { req, reported };
}

describe('the webhook network adapter against a local receiver', () => {
  it('POSTs signed JSON with the delivery id as Idempotency-Key; 2xx is published, linking where the receiver says', async () => {
    blog.script({ status: 201, body: JSON.stringify({ id: 'post-77', url: 'https://blog.example.com/our-new-post' }) });
    const { req, reported } = publishRequest();
    const result = await createWebhookAdapter({ timeoutMs: 2000 }).publish(req, creds());
    expect(result).toEqual({
      externalId: 'post-77',
      url: 'https://blog.example.com/our-new-post',
      parts: [{ position: 0, externalId: 'post-77', url: 'https://blog.example.com/our-new-post' }],
    });
    expect(reported).toEqual(result.parts);
    const [got] = blog.requests;
    expect(got).toMatchObject({ method: 'POST', path: '/api/greenlight' });
    expect(got!.headers['idempotency-key']).toBe(req.deliveryId);
    expect(got!.headers['content-type']).toBe('application/json');
    expect(verifySignature(SECRET, got!.body, String(got!.headers['greenlight-signature']), new Date())).toBe(true);
    expect(JSON.parse(got!.body)).toEqual({
      type: 'post.publish',
      delivery_id: req.deliveryId,
      text: 'Our new post',
      media: [{ url: 'https://cdn.example.com/a.png', alt: 'A chart' }],
    });
  });

  it('falls back to the endpoint as the link when the receiver says nothing, and never logs the secret', async () => {
    // Through the whole product, logging at trace: a refused first attempt is logged, then the retry publishes.
    const { lines, log } = logBuffer();
    const stack = await startStack({ log });
    try {
      const account = await connectAccount(stack.app.db, stack.app.cipher, {
        workspaceId: stack.workspaceId,
        network: 'webhook',
        externalAccountId: blog.url,
        displayName: 'blog',
        instanceUrl: blog.url,
        connectedBy: ADMIN,
        credentials: { accessToken: SECRET },
      });
      blog.script({ status: 503, body: 'busy, try again' }, { status: 204, body: '' });
      await draft(stack, { text: 'Logged but never the secret.', accounts: [account.id] });
      const post = await stack.testDb.db.selectFrom('posts').select('id').where('text', '=', 'Logged but never the secret.').executeTakeFirstOrThrow();
      await approve(stack, post.id);
      const published = await waitForDelivery(stack, post.id, 'webhook', 'published');
      expect(published.url).toBe(blog.url);
      expect(blog.requests).toHaveLength(2);
      for (const r of blog.requests) expect(verifySignature(SECRET, r.body, String(r.headers['greenlight-signature']), new Date())).toBe(true);

      const logged = lines.join('');
      expect(logged).toContain('delivery attempt failed');
      // Only the status: the receiver's body is neither logged nor kept (it may be an internal page).
      expect(logged).toContain('HTTP 503');
      expect(logged).not.toContain('busy, try again');
      expect(logged).not.toContain(SECRET);
      expect(logged).not.toContain(SECRET.slice('whsec_'.length));
    } finally {
      await stack.stop();
    }
  });

  it('classifies answers by status only (the receiver words are dropped): 4xx permanent, 429 rate limited, 5xx transient', async () => {
    const adapter = createWebhookAdapter({ timeoutMs: 2000 });
    blog.script(
      { status: 422, body: JSON.stringify({ error: 'title is required' }) },
      { status: 429, body: '' },
      { status: 503, body: 'upstream down' },
      { status: 301, body: '' },
    );
    const rejected = await failure(adapter.publish(publishRequest().req, creds()));
    expect(rejected).toMatchObject({ network: 'webhook', errorClass: 'permanent', status: 422, networkMessage: undefined });
    expect(JSON.stringify({ ...rejected, message: rejected.message })).not.toContain('title is required');
    expect(await failure(adapter.publish(publishRequest().req, creds()))).toMatchObject({ errorClass: 'rate_limited', status: 429 });
    const down = await failure(adapter.publish(publishRequest().req, creds()));
    expect(down).toMatchObject({ errorClass: 'transient', status: 503, networkMessage: undefined });
    expect(down.message).not.toContain('upstream down');
    expect((await failure(adapter.publish(publishRequest().req, creds()))).message).toContain('redirects are not followed');
    for (const e of blog.requests) expect(JSON.stringify(e.headers)).not.toContain(SECRET);
  });

  it('a 2xx is published whatever its body: oversized or broken off, the body is ignored', async () => {
    const adapter = createWebhookAdapter({ timeoutMs: 2000 });
    blog.script({ status: 200, body: JSON.stringify({ id: 'big', padding: 'x'.repeat(200_000) }) }, { status: 201, cutBody: true });
    const big = await adapter.publish(publishRequest('big', { deliveryId: '6f1c7d1e-0000-4000-8000-0000000000b1' }).req, creds());
    expect(big).toMatchObject({ url: blog.url, parts: [{ position: 0, url: blog.url }] });
    const cut = await adapter.publish(publishRequest('cut', { deliveryId: '6f1c7d1e-0000-4000-8000-0000000000c1' }).req, creds());
    expect(cut).toMatchObject({ url: blog.url, parts: [{ position: 0, url: blog.url }] });
    expect(blog.accepted).toHaveLength(2);
  });

  it('refuses a receiver on a private address before a byte leaves, as a permanent failure naming the class', async () => {
    setOutboundPolicy({ httpsOnly: false, allowPrivate: [] });
    try {
      const adapter = createWebhookAdapter({ timeoutMs: 2000 });
      const before = blog.requests.length;
      for (const [url, words] of [
        [blog.url, 'points to a loopback address'],
        [blog.url.replace('127.0.0.1', '[::ffff:127.0.0.1]'), 'points to a loopback address'],
        ['http://169.254.169.254/latest/meta-data/', 'points to a link-local address'],
        ['http://10.0.0.8/hooks', 'points to a private network address'],
      ] as const) {
        const refused = await failure(adapter.publish(publishRequest().req, { ...creds(), instanceUrl: url }));
        expect(refused, url).toMatchObject({ errorClass: 'permanent', networkCode: 'outbound_refused' });
        expect(refused.message, url).toContain(words);
      }
      expect(blog.requests.length).toBe(before);
    } finally {
      setOutboundPolicy({ httpsOnly: false, allowPrivate: ['127.0.0.0/8', '::1/128'] });
    }
  });

  it('a timeout after sending is an unknown outcome; the retry with the same key is taken once by the receiver', async () => {
    const adapter = createWebhookAdapter({ timeoutMs: 300 });
    expect(adapter.idempotent).toBe(true);
    blog.script({ status: 200, body: '{"id":"p1"}', delayMs: 1000 });
    expect(await failure(adapter.publish(publishRequest().req, creds()))).toMatchObject({ errorClass: 'unknown_outcome' });
    const again = await adapter.publish(publishRequest().req, creds());
    expect(again.externalId).toBe('p1');
    expect(blog.requests).toHaveLength(2);
    expect(blog.accepted).toHaveLength(1);
    expect(await adapter.recentPosts(creds(), new Date(0), new AbortController().signal)).toBeUndefined();
  });

  it('a refused connection before sending is transient', async () => {
    const url = blog.url;
    await blog.stop();
    const error = await failure(
      createWebhookAdapter({ timeoutMs: 500 }).publish(publishRequest().req, { accessToken: SECRET, accountId: url, instanceUrl: url }),
    );
    expect(error.errorClass).toBe('transient');
    blog = await startWebhookReceiver();
  });
});

describe("the webhook network's payload", () => {
  it('lists a stored image as its signed link with alt text and what the store knows; a typed link as it was', () => {
    const signed = 'https://greenlight.example.com/media/0b6f0c4e-8a39-4c1e-9f55-2d1f1f4a6a01?exp=1&sig=abc';
    const body = JSON.parse(
      publishBody('d-1', 'Hello', [
        {
          url: signed,
          alt: 'A green cake',
          stored: {
            id: '0b6f0c4e-8a39-4c1e-9f55-2d1f1f4a6a01',
            filename: 'cake.png',
            contentType: 'image/png',
            bytes: 1234,
            width: 500,
            height: 400,
            animated: false,
            read: () => {
              throw new Error('the payload never reads the file');
            },
          },
        },
        { url: 'https://cdn.example.com/a.png' },
      ]),
    );
    expect(body.media).toEqual([
      { url: signed, alt: 'A green cake', filename: 'cake.png', content_type: 'image/png', bytes: 1234, width: 500, height: 400 },
      { url: 'https://cdn.example.com/a.png', alt: null },
    ]);
  });
});
