import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifySignature } from '../../src/crypto/webhook-signature.ts';
import { decryptCredentials } from '../../src/db/accounts.ts';
import { ADMIN, AUTHOR, draft } from '../helpers/greenlight.ts';
import { approve, deliveryOf, threadOf, waitForDelivery, waitUntil } from '../helpers/engine.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../../emulators/webhook-receiver.ts';
import { browse, chatLink, formToken, oauthStack, submitForm } from './oauth-stack.ts';

let stack: Awaited<ReturnType<typeof oauthStack>>;
let blog: WebhookReceiver;

beforeAll(async () => {
  [stack, blog] = await Promise.all([oauthStack(), startWebhookReceiver('/wp-json/greenlight/v1/posts')]);
});
afterAll(async () => {
  await Promise.all([stack?.stop(), blog?.stop()]);
});

async function postId(text: string): Promise<string> {
  return (await stack.testDb.db.selectFrom('posts').select('id').where('text', '=', text).executeTakeFirstOrThrow()).id;
}

describe('the webhook network', () => {
  let secret = '';
  let accountId = '';

  it('connects with a URL; the signing secret is shown once and stored encrypted', async () => {
    const form = await browse(await chatLink(stack, ADMIN, 'webhook'));
    expect(form.status).toBe(200);
    expect(form.body).toContain('<form method="post" action="/connect/webhook"');
    const t = formToken(form.body);

    for (const url of ['ftp://blog.example.com/in', 'https://user:pw@blog.example.com/in', 'not a url']) {
      const refused = await submitForm(`${stack.publicUrl}/connect/webhook`, { t, url });
      expect(refused.status, url).toBe(400);
    }
    const page = await submitForm(`${stack.publicUrl}/connect/webhook`, { t, url: blog.url });
    expect(page.status).toBe(200);
    const host = new URL(blog.url).host;
    expect(page.body).toContain(`Connected Webhook as ${host}/wp-json/greenlight/v1/posts`);
    secret = /<code id="secret">(whsec_[A-Za-z0-9_-]+)<\/code>/.exec(page.body)![1]!;

    const account = await stack.testDb.db.selectFrom('social_accounts').selectAll().where('network', '=', 'webhook').executeTakeFirstOrThrow();
    accountId = account.id;
    expect(account).toMatchObject({ instance_url: blog.url, external_account_id: blog.url, status: 'connected' });
    expect(account.credentials).not.toContain(secret);
    expect(decryptCredentials(stack.app.cipher, account).accessToken).toBe(secret);
  });

  it('publishes an approved post as signed JSON with the delivery id as Idempotency-Key; the receipt links to the page', async () => {
    blog.script({ status: 201, body: JSON.stringify({ id: 'wp-1234', url: 'https://blog.example.com/2026/11/launch' }) });
    await draft(stack, { text: 'Launch notes for the blog.', accounts: [accountId] });
    const id = await postId('Launch notes for the blog.');
    await approve(stack, id);
    const delivery = await waitForDelivery(stack, id, 'webhook', 'published');
    expect(delivery).toMatchObject({ external_id: 'wp-1234', url: 'https://blog.example.com/2026/11/launch' });

    expect(blog.requests).toHaveLength(1);
    const [got] = blog.requests;
    expect(got!.headers['idempotency-key']).toBe(delivery.id);
    expect(verifySignature(secret, got!.body, String(got!.headers['greenlight-signature']), new Date())).toBe(true);
    expect(JSON.parse(got!.body)).toEqual({ type: 'post.publish', delivery_id: delivery.id, text: 'Launch notes for the blog.', media: [] });
    await waitUntil(stack, 'the receipt', async () => (await threadOf(stack, id)).find((t) => t.startsWith('Published to Webhook')));
    expect((await threadOf(stack, id)).join('\n')).toContain('https://blog.example.com/2026/11/launch');
  });

  it('a 4xx fails the delivery at once, saying the status and never the receiver words; a 5xx is retried', async () => {
    blog.script({ status: 503, body: 'busy' }, { status: 422, body: JSON.stringify({ error: 'a post needs a title' }) });
    await draft(stack, { text: 'No title here.', accounts: [accountId], user: AUTHOR });
    const id = await postId('No title here.');
    await approve(stack, id);
    const failed = await waitForDelivery(stack, id, 'webhook', 'failed');
    expect(failed.attempts).toBe(2);
    const lastError = (await deliveryOf(stack, id, 'webhook')).last_error;
    expect(lastError).toMatchObject({ class: 'permanent', status: 422 });
    expect(JSON.stringify(lastError)).not.toContain('a post needs a title');
    const receipt = await waitUntil(stack, 'the failure receipt', async () => (await threadOf(stack, id)).find((t) => t.includes('422')));
    expect(receipt).not.toContain('a post needs a title');
    expect((await threadOf(stack, id)).join('\n')).not.toContain('a post needs a title');
  });
});
