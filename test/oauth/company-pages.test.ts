import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { startLinkedInEmulator, type LinkedInEmulator } from '../../emulators/linkedin.ts';
import { startFacebookEmulator, type FacebookEmulator } from '../../emulators/facebook.ts';
import { OG_ARTICLE, startOgSite, type OgSite } from '../../emulators/og-site.ts';
import { createLinkedInAdapter } from '../../src/networks/linkedin.ts';
import { findDeliveryComment } from '../../src/db/first-comments.ts';
import { approve, deliveryOf, waitForCard, waitUntil } from '../helpers/engine.ts';
import { ADMIN, AUTHOR, CHANNEL, opens } from '../helpers/greenlight.ts';
import { chatLink, oauthStack } from './oauth-stack.ts';

/**
 * Publishing as the company (issue 16), in a real browser: Debian's Chromium driven headless by
 * playwright-core opens the link the bot gave, signs in at the (emulated) network, picks pages on
 * Greenlight's picker and sees the confirmation; the picker refuses an empty choice with its message and
 * a second submission. Then an author posts a blog link with a first comment as the LinkedIn page: the
 * approver's card and the article carry the page's card, and the comment is the organization's.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`company-pages browser tests skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, as .ci/run does)`);

const MEMBER = 'urn:li:person:ana1';
let li: LinkedInEmulator;
let fb: FacebookEmulator;
let site: OgSite;
let stack: Awaited<ReturnType<typeof oauthStack>>;
let browser: Browser;

beforeAll(async () => {
  if (!haveChromium) return;
  [li, fb, site] = await Promise.all([
    startLinkedInEmulator({ clientId: 'li-app', clientSecret: 'li-app-secret-0123' }),
    startFacebookEmulator({ clientId: 'fb-app', clientSecret: 'fb-app-secret-0123' }),
    startOgSite(),
  ]);
  stack = await oauthStack({
    env: () => ({
      LINKEDIN_CLIENT_ID: 'li-app',
      LINKEDIN_CLIENT_SECRET: 'li-app-secret-0123',
      LINKEDIN_AUTH_URL: `${li.url}/oauth/v2`,
      LINKEDIN_API_URL: li.url,
      LINKEDIN_ORGANIZATIONS: 'on',
      FACEBOOK_CLIENT_ID: 'fb-app',
      FACEBOOK_CLIENT_SECRET: 'fb-app-secret-0123',
      FACEBOOK_AUTH_URL: `${fb.url}/v24.0/dialog/oauth`,
      FACEBOOK_API_URL: fb.url,
      LINK_PREVIEW_TIMEOUT_MS: '3000',
    }),
    adapters: { linkedin: createLinkedInAdapter({ baseUrl: li.url, timeoutMs: 2_000 }) },
  });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  await Promise.all([li?.stop(), fb?.stop(), site?.stop()]);
});

describe.skipIf(!haveChromium)('connecting company pages in a browser', () => {
  it('LinkedIn: the picker lists the member and the pages they may post as; the chosen pages are connected, once', async () => {
    li.organizations.push(
      { id: '5515715', name: 'Acme Corp', roles: [{ member: MEMBER, role: 'ADMINISTRATOR' }] },
      { id: '42', name: 'Acme Careers', roles: [{ member: MEMBER, role: 'ANALYST' }] },
      { id: '77', name: 'Acme Labs', roles: [{ member: MEMBER, role: 'CONTENT_ADMINISTRATOR' }] },
      { id: '90', name: 'Not Yours', roles: [{ member: 'urn:li:person:someone', role: 'ADMINISTRATOR' }] },
    );
    li.consent = MEMBER;
    const page = await browser.newPage();
    try {
      await page.goto(await chatLink(stack, ADMIN, 'linkedin'));
      expect(await page.locator('h1').textContent()).toBe('Choose what to connect on LinkedIn');
      const picker = page.url();
      const options = await page.locator('form label').allTextContents();
      expect(options).toEqual(['Test Member your own profile', 'Acme Corp organization page', 'Acme Labs organization page']);
      // Why a page may be missing: the roles that may post, and LinkedIn's review of the app for the page scopes.
      const note = await page.locator('p.muted').first().textContent();
      expect(note).toMatch(/CONTENT_ADMINISTRATOR/);
      expect(note).toMatch(/Community Management API.*reviews the app/s);
      // The sign-in asked for the organization scopes.
      const authorize = li.requests.find((r) => r.path === '/oauth/v2/authorization');
      expect(authorize?.query.scope).toContain('rw_organization_admin');

      await page.getByRole('button', { name: 'Connect' }).click();
      expect(await page.locator('.error').textContent()).toBe('Choose at least one account to connect.');
      await page.getByLabel(/Acme Corp/).check();
      await page.getByLabel(/Acme Labs/).check();
      await page.getByRole('button', { name: 'Connect' }).click();
      expect(await page.locator('h1').textContent()).toBe('Connected 2 LinkedIn accounts');
      expect(await page.locator('li').allTextContents()).toEqual(['Acme Corp', 'Acme Labs']);

      const accounts = await stack.testDb.db
        .selectFrom('social_accounts')
        .select(['external_account_id', 'display_name'])
        .where('network', '=', 'linkedin')
        .orderBy('display_name')
        .execute();
      expect(accounts).toEqual([
        { external_account_id: 'urn:li:organization:5515715', display_name: 'Acme Corp' },
        { external_account_id: 'urn:li:organization:77', display_name: 'Acme Labs' },
      ]);
      // The picker's link again: the choice works once.
      await page.goto(picker);
      expect(await page.locator('h1').textContent()).toBe('This choice was already made');
    } finally {
      await page.close();
    }
  });

  it('Facebook: two Pages connected in one go', async () => {
    const user = fb.login.addUser('Ana Ruiz', [
      { name: 'Acme News', tasks: ['CREATE_CONTENT', 'MANAGE'] },
      { name: 'Read Only', tasks: ['ANALYZE'] },
      { name: 'Acme Events', tasks: ['CREATE_CONTENT'] },
    ]);
    fb.login.consent = { userId: user.userId };
    const page = await browser.newPage();
    try {
      await page.goto(await chatLink(stack, ADMIN, 'facebook'));
      expect(await page.locator('form label').allTextContents()).toEqual(['Acme News Facebook Page', 'Acme Events Facebook Page']);
      await page.getByLabel(/Acme News/).check();
      await page.getByLabel(/Acme Events/).check();
      await page.getByRole('button', { name: 'Connect' }).click();
      expect(await page.locator('h1').textContent()).toBe('Connected 2 Facebook accounts');
      const pages = await stack.testDb.db
        .selectFrom('social_accounts')
        .select('display_name')
        .where('network', '=', 'facebook')
        .orderBy('display_name')
        .execute();
      expect(pages.map((p) => p.display_name)).toEqual(['Acme Events', 'Acme News']);
    } finally {
      await page.close();
    }
  });

  it('a LinkedIn company post with a link card and a first comment: each once, as the organization', async () => {
    const account = await stack.testDb.db
      .selectFrom('social_accounts')
      .select('id')
      .where('external_account_id', '=', 'urn:li:organization:5515715')
      .executeTakeFirstOrThrow();
    const text = `Our launch week recap: ${site.url}/article`;
    const view = await opens(stack, AUTHOR, () => stack.slack.slashCommand({ command: '/post', text: '', userId: AUTHOR, channelId: CHANNEL }));
    const res = await stack.slack.submitView({
      userId: AUTHOR,
      viewId: view.id,
      values: {
        text: { value: { type: 'plain_text_input', value: text } },
        targets: { value: { type: 'checkboxes', selected_options: [{ value: account.id }] } },
        when: { value: { type: 'plain_text_input', value: 'now' } },
        zone: { value: { type: 'plain_text_input', value: 'Europe/Berlin' } },
        comment_linkedin: { value: { type: 'plain_text_input', value: 'Questions? Ask below.' } },
      },
    });
    expect(res.body).toBeUndefined();
    const post = await stack.testDb.db.selectFrom('posts').select('id').where('text', '=', text).executeTakeFirstOrThrow();
    // The approver sees the card as it will appear (an approval of the card-less version would not count).
    const card = await waitForCard(stack, post.id, (c) => JSON.stringify(c.blocks).includes('Launch week: what we shipped &amp; why'));
    expect(JSON.stringify(card.blocks)).toContain('First comment on LinkedIn');
    await approve(stack, post.id);
    await waitUntil(stack, 'the delivery to end', async () => {
      const d = await deliveryOf(stack, post.id, 'linkedin');
      return ['published', 'failed', 'needs_reconnect'].includes(d.state) && d;
    }).then((d) => expect([d.state, d.last_error]).toEqual(['published', null]));
    const delivery = await deliveryOf(stack, post.id, 'linkedin');
    await waitUntil(stack, 'the first comment', async () => (await findDeliveryComment(stack.app.db, delivery.id))?.state === 'published');
    expect(li.posts).toHaveLength(1);
    expect(li.posts[0]).toMatchObject({
      author: 'urn:li:organization:5515715',
      article: {
        source: `${site.url}/article`,
        title: OG_ARTICLE.title,
        description: OG_ARTICLE.description,
        thumbnail: expect.stringMatching(/^urn:li:image:/),
      },
    });
    expect(li.comments).toEqual([expect.objectContaining({ object: li.posts[0]!.id, actor: 'urn:li:organization:5515715', text: 'Questions? Ask below.' })]);
  });
});
