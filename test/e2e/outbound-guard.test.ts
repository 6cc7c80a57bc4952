import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectAccount } from '../../src/db/accounts.ts';
import { insertSubscription } from '../../src/db/webhooks.ts';
import { ADMIN, AUTHOR, CHANNEL, draft } from '../helpers/greenlight.ts';
import { approve, threadOf, waitForDelivery, waitUntil } from '../helpers/engine.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../../emulators/webhook-receiver.ts';
import { browse, chatLink, formToken, oauthStack, submitForm } from '../oauth/oauth-stack.ts';

/**
 * The outbound guard through the real flows (issue 12). Greenlight runs with OUTBOUND_ALLOW_PRIVATE=127.0.0.2/32:
 * a "public" host is played by 127.0.0.2, and everything on 127.0.0.1 (where the internal service, the
 * emulators and the receivers listen) is inside the network and must not be reached by what users type.
 */
let stack: Awaited<ReturnType<typeof oauthStack>>;
let internal: Server;
const internalHits: string[] = [];
let internalUrl = '';
let bouncer: Server;
let bouncerUrl = '';
let inside: WebhookReceiver;
let outside: WebhookReceiver;

async function listen(server: Server, host: string): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return `http://${host}:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  // An internal admin service that hands out secrets to anyone who asks from inside.
  internal = createServer((req, res) => {
    internalHits.push(`${req.method} ${req.url}`);
    res.writeHead(200, { 'content-type': 'image/png' }).end('INTERNAL-ADMIN-SECRET');
  });
  internalUrl = await listen(internal, '127.0.0.1');
  // A public-looking host whose images answer 302 to the internal service.
  bouncer = createServer((_req, res) => void res.writeHead(302, { location: `${internalUrl}/admin/keys.png` }).end());
  bouncerUrl = await listen(bouncer, '127.0.0.2');
  [stack, inside, outside] = await Promise.all([
    oauthStack({ env: () => ({ OUTBOUND_ALLOW_PRIVATE: '127.0.0.2/32' }) }),
    startWebhookReceiver('/hooks/in'),
    startWebhookReceiver('/hooks/out', '127.0.0.2'),
  ]);
});
afterAll(async () => {
  await Promise.all([stack?.stop(), inside?.stop(), outside?.stop()]);
  internal?.close();
  bouncer?.close();
});

const postIdOf = async (text: string) => (await stack.testDb.db.selectFrom('posts').select('id').where('text', '=', text).executeTakeFirstOrThrow()).id;

async function greenlight(user: string, text: string, fragment: string): Promise<string> {
  const before = stack.slack.ephemerals(user).length;
  await stack.slack.slashCommand({ command: '/greenlight', text, userId: user, channelId: CHANNEL });
  const answer = await stack.slack.waitFor(
    () =>
      stack.slack
        .ephemerals(user)
        .slice(before)
        .find((e) => e.text.includes(fragment)),
    { what: `the answer to /greenlight ${text}`, timeoutMs: 5_000 },
  );
  return answer.text;
}

describe('media links', () => {
  it('a link to a loopback, link-local or private address is a field error on the compose form', async () => {
    for (const [link, words] of [
      [`${internalUrl}/admin/keys.png`, 'points to a loopback address'],
      [`http://[::1]:${new URL(internalUrl).port}/a.png`, 'points to a loopback address'],
      ['http://2130706433/a.png', 'points to a loopback address'],
      ['http://169.254.169.254/latest/meta-data/iam', 'points to a link-local address'],
      ['http://192.168.1.20/a.png', 'points to a private network address'],
    ]) {
      const res = await draft(stack, { text: `Leaking ${link}`, accounts: [stack.accounts.x], media: [link!] });
      expect(res.body, link).toMatchObject({ response_action: 'errors' });
      expect((res.body as { errors: Record<string, string> }).errors.media, link).toContain(words);
    }
    expect(internalHits).toEqual([]);
  });

  it('is checked again at publish time: a host that redirects inside fails permanently, said in the thread, and nothing is uploaded', async () => {
    const uploadsBefore = stack.x.media.length;
    await draft(stack, { text: 'A chart from our CDN.', accounts: [stack.accounts.x], media: [`${bouncerUrl}/chart.png`] });
    const id = await postIdOf('A chart from our CDN.');
    await approve(stack, id);
    const failed = await waitForDelivery(stack, id, 'x', 'failed');
    expect(failed.attempts).toBe(1);
    expect(failed.last_error).toMatchObject({ class: 'permanent' });
    const receipt = await waitUntil(stack, 'the failure in the thread', async () =>
      (await threadOf(stack, id)).find((t) => t.includes('points to a loopback address')),
    );
    expect(receipt).not.toContain('INTERNAL-ADMIN-SECRET');
    expect(receipt).not.toContain(new URL(internalUrl).host);
    expect(internalHits).toEqual([]);
    expect(stack.x.media.length).toBe(uploadsBefore);
  });
});

describe('outgoing webhooks', () => {
  it('`webhooks add` refuses a URL inside the network, naming the class', async () => {
    for (const [url, words] of [
      [inside.url, 'points to a loopback address'],
      ['http://169.254.169.254/latest/meta-data/', 'points to a link-local address'],
      ['http://[fd00:ec2::254]/', 'points to a private network address'],
      ['http://0x7f.1/hook', 'points to a loopback address'],
    ]) {
      expect(await greenlight(ADMIN, `webhooks add ${url}`, 'points to'), url).toContain(words);
    }
    expect(await stack.app.db.selectFrom('webhook_subscriptions').select('id').execute()).toEqual([]);
  });

  it('are refused again when sent (a stored URL that now points inside fails at once), and a 2xx with any body is delivered', async () => {
    const sub = await insertSubscription(stack.app.db, stack.app.cipher, {
      workspaceId: stack.workspaceId,
      url: inside.url,
      events: ['submitted'],
      createdBy: ADMIN,
      secret: 'whsec_inside',
    });
    const ok = await insertSubscription(stack.app.db, stack.app.cipher, {
      workspaceId: stack.workspaceId,
      url: outside.url,
      events: ['submitted'],
      createdBy: ADMIN,
      secret: 'whsec_outside',
    });
    outside.script({ status: 200, body: 'x'.repeat(200_000) });
    await draft(stack, { text: 'Tell the CRM.', accounts: [stack.accounts.x], when: 'tomorrow 10:00' });
    const stateOf = (subscriptionId: string) =>
      stack.app.db
        .selectFrom('webhook_deliveries')
        .select(['state', 'attempts', 'last_error'])
        .where('subscription_id', '=', subscriptionId)
        .executeTakeFirst();
    const refused = await waitUntil(stack, 'the refused delivery', async () => {
      const d = await stateOf(sub.id);
      return d?.state === 'failed' ? d : undefined;
    });
    expect(refused.attempts).toBe(1);
    const delivered = await waitUntil(stack, 'the delivered one', async () => {
      const d = await stateOf(ok.id);
      return d?.state === 'succeeded' ? d : undefined;
    });
    expect(delivered.attempts).toBe(1);
    const attempts = await stack.app.db
      .selectFrom('webhook_attempts as a')
      .innerJoin('webhook_deliveries as d', 'd.id', 'a.delivery_id')
      .select(['a.error'])
      .where('d.subscription_id', '=', sub.id)
      .execute();
    expect(attempts.map((a) => a.error)).toEqual([expect.stringContaining('points to a loopback address')]);
    expect(inside.requests).toEqual([]);
  });
});

describe('the webhook network', () => {
  it('the connect form refuses a URL inside the network', async () => {
    const t = formToken((await browse(await chatLink(stack, ADMIN, 'webhook'))).body);
    const page = await submitForm(`${stack.publicUrl}/connect/webhook`, { t, url: inside.url });
    expect(page.status).toBe(400);
    expect(page.body).toContain('points to a loopback address');
    expect(await stack.app.db.selectFrom('social_accounts').select('id').where('network', '=', 'webhook').execute()).toEqual([]);
  });

  it('a connected URL that points inside is refused at publish time, as a permanent failure said in the thread', async () => {
    const account = await connectAccount(stack.app.db, stack.app.cipher, {
      workspaceId: stack.workspaceId,
      network: 'webhook',
      externalAccountId: inside.url,
      displayName: 'intranet',
      instanceUrl: inside.url,
      connectedBy: ADMIN,
      credentials: { accessToken: 'whsec_in' },
    });
    await draft(stack, { text: 'To the intranet blog.', accounts: [account.id], user: AUTHOR });
    const id = await postIdOf('To the intranet blog.');
    await approve(stack, id);
    const failed = await waitForDelivery(stack, id, 'webhook', 'failed');
    expect(failed.attempts).toBe(1);
    await waitUntil(stack, 'the failure in the thread', async () => (await threadOf(stack, id)).find((t) => t.includes('points to a loopback address')));
    expect(inside.requests).toEqual([]);
  });
});

describe('the Mastodon and Bluesky connect forms', () => {
  it('Mastodon: a server inside the network is refused on the form; no app is registered there', async () => {
    const form = await browse(await chatLink(stack, ADMIN, 'mastodon'));
    const t = formToken(form.body);
    const before = stack.mastodon.requests.length;
    const page = await submitForm(`${stack.publicUrl}/connect/mastodon`, { t, instance: stack.mastodon.url });
    expect(page.status).toBe(400);
    expect(page.body).toContain('points to a loopback address');
    expect(stack.mastodon.requests.length).toBe(before);
    expect(stack.mastodon.registeredApps()).toEqual([]);
  });

  it('Bluesky: a server inside the network is refused on the form; the app password is never sent there', async () => {
    const form = await browse(await chatLink(stack, ADMIN, 'bluesky'));
    const t = formToken(form.body);
    const page = await submitForm(`${stack.publicUrl}/connect/bluesky`, { t, identifier: 'ana.test', password: 'abcd-efgh-ijkl-mnop', service: internalUrl });
    expect(page.status).toBe(400);
    expect(page.body).toContain('points to a loopback address');
    expect(internalHits).toEqual([]);
  });
});

describe('the Discord compose form', () => {
  it('answers a media link inside the network with what to fix, and stores nothing', async () => {
    const { dDraft, discordOf } = await import('../helpers/discord-stack.ts');
    const { startStack } = await import('../helpers/greenlight.ts');
    const discordStack = await startStack({ discord: 'http', env: () => ({ OUTBOUND_ALLOW_PRIVATE: '127.0.0.2/32' }) });
    try {
      const answer = await dDraft(discordStack, {
        text: 'Our metadata',
        accounts: [discordOf(discordStack).accounts.x],
        media: 'http://[::ffff:169.254.169.254]/latest/meta-data/',
      });
      expect(answer.content).toMatch(/^⚠️ Not sent yet/);
      expect(answer.content).toContain('points to a link-local address');
      expect(await discordStack.app.db.selectFrom('posts').select('id').execute()).toHaveLength(0);
    } finally {
      await discordStack.stop();
    }
  });
});
