import { createHash } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { connectAccount } from '../../src/db/accounts.ts';
import { createDb } from '../../src/db/database.ts';
import { startEmbeddedPostgres, type RunningEmbeddedPostgres } from '../../src/db/embedded-postgres.ts';
import { escapeHtml } from '../../src/http/page.ts';
import { createLogger } from '../../src/log.ts';
import { startLinkedInEmulator } from '../../emulators/linkedin.ts';
import { D_AUTHOR, D_MANAGER, dCard, dClick, dDraft, waitThread } from '../helpers/discord-stack.ts';
import { ADMIN, APPROVALS, AUTHOR, MANAGER, OUTSIDER, card, click, draft, opens, startStack, thread, type Stack } from '../helpers/greenlight.ts';
import { startPds } from '../helpers/pds.ts';
import { browse, chatLink, freePort, submitForm } from '../oauth/oauth-stack.ts';
import { DEMO_IMAGE, demoImage } from './demo-image.ts';
import { writeCardPicture } from './picture/write-picture.ts';

/**
 * `npm run demo`: Greenlight with every chat and network emulated on this machine, a real scenario
 * played through the real Bolt and discord.js code paths, and a transcript of what each person sees.
 * It ends with what reached each network and exits 0 only if every delivery arrived exactly once.
 * `--picture FILE` also draws the Slack card and its thread, as they are at the end, to FILE (SVG).
 */
const people: Record<string, string> = {
  [AUTHOR]: 'Ana (author)',
  [MANAGER]: 'Marta (manager)',
  [OUTSIDER]: 'Olli (not an approver)',
  [ADMIN]: 'Root (admin)',
  [D_AUTHOR]: 'Cora (Discord community manager)',
  [D_MANAGER]: 'Mika (Discord approver)',
};
const who = (id: string) => people[id] ?? id;
const line = (text: string) => process.stdout.write(`${text}\n`);
const scene = (title: string) => line(`\n── ${title}`);
/** What a person sees, with mentions shown as names, as the chat renders them. */
const shows = (where: string, text: string) => line(`   ${where.padEnd(24)} ${named(text).replace(/\n/g, '\n'.padEnd(28))}`);
const named = (text: string) => text.replace(/<@(\w+)>/g, (_, id: string) => `@${(people[id] ?? id).split(' ')[0]}`);

const picture = pictureFile(process.argv.slice(2));

async function main(): Promise<number> {
  const started = Date.now();
  line('Greenlight demo: Slack, Discord, X, LinkedIn, Mastodon and a real Bluesky server, all on 127.0.0.1.');
  const database = await demoDatabase();
  const linkedin = await startLinkedInEmulator({ clientId: LINKEDIN_APP.id, clientSecret: LINKEDIN_APP.secret });
  const pds = await startPds();
  const port = await freePort();
  const stack = await startStack({
    database,
    discord: 'http',
    log: createLogger({ level: process.env.LOG_LEVEL ?? 'fatal' }),
    env: (urls) => ({
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      // Signs the card's image links (/card-image), which Slack, and the picture, fetch the image from.
      STATE_SECRET: 'greenlight-demo-state-secret-0123456789abcdef',
      X_CLIENT_ID: 'greenlight-demo',
      X_CLIENT_SECRET: 'demo-client-secret-0123456789abcdef',
      X_AUTH_URL: `${urls.x}/i/oauth2/authorize`,
      LINKEDIN_API_URL: linkedin.url,
      // The company page is connected through the flow: sign-in, then the page picker (issue 16 §1).
      LINKEDIN_CLIENT_ID: LINKEDIN_APP.id,
      LINKEDIN_CLIENT_SECRET: LINKEDIN_APP.secret,
      LINKEDIN_AUTH_URL: `${linkedin.url}/oauth/v2`,
      LINKEDIN_ORGANIZATIONS: 'on',
    }),
  });
  try {
    const brand = await pds.createAccount('brand');
    const bluesky = await connectAccount(stack.app.db, stack.app.cipher, {
      workspaceId: stack.workspaceId,
      network: 'bluesky',
      externalAccountId: brand.did,
      displayName: `@${brand.handle}`,
      instanceUrl: pds.url,
      connectedBy: ADMIN,
      credentials: { accessToken: brand.accessJwt, refreshToken: brand.refreshJwt },
    });
    const linkedIn = await connectCompanyPage(stack, linkedin);
    await playSlack(stack, { bluesky: bluesky.id, linkedin: linkedIn.id });
    if (picture) {
      // Mentions as the names people go by, times in Ana's zone (the card's "author's zone").
      const names = Object.fromEntries(Object.entries(people).map(([id, name]) => [id, name.split(' ')[0]!]));
      await writeCardPicture(stack.slack, {
        file: picture,
        channelId: APPROVALS,
        channelName: 'approvals',
        reader: { names, zone: 'Europe/Berlin', now: new Date() },
      });
      line(`\n   (the card and its thread are drawn in ${picture})`);
    }
    await playDiscord(stack);
    return await summary(stack, linkedin, pds, brand.did);
  } finally {
    await stack.stop();
    await Promise.all([linkedin.stop(), pds.stop()]);
    // The whole run, from the first line to everything stopped (the database included).
    line(`Demo finished in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  }
}

/** The demo's LinkedIn app (the emulator checks the client on the code exchange). */
const LINKEDIN_APP = { id: 'greenlight-demo-linkedin', secret: 'demo-linkedin-secret-0123456789' };
const COMPANY = { id: '2414183', name: 'Greenlight (company page)' };

/**
 * Root connects the company's LinkedIn page as an admin would: `/greenlight connect linkedin`, the
 * LinkedIn sign-in, then Greenlight's picker, ticking the organization page (not the personal profile).
 */
async function connectCompanyPage(stack: Stack, linkedin: Awaited<ReturnType<typeof startLinkedInEmulator>>): Promise<{ id: string }> {
  const member = 'urn:li:person:root1';
  linkedin.organizations.push({ id: COMPANY.id, name: COMPANY.name, roles: [{ member, role: 'ADMINISTRATOR' }] });
  linkedin.consent = member;
  scene("Slack: Root connects the company's LinkedIn page");
  shows(`${who(ADMIN)}:`, '/greenlight connect linkedin');
  const link = await chatLink(stack, ADMIN, 'linkedin');
  shows(`only ${who(ADMIN)}:`, 'a link to connect LinkedIn (single use)');
  const picker = await browse(link);
  shows('browser:', `${picker.hops.length} redirects (Greenlight → LinkedIn sign-in → callback), then: ${pageText(picker.body)}`);
  const choices = [...picker.body.matchAll(/name="account" value="(\d+)"[^>]*><span><strong>([^<]*)<\/strong> <span class="muted">([^<]*)</g)];
  shows('browser:', `offers: ${choices.map(([, , name, kind]) => `${name} (${kind})`).join('; ')}`);
  const company = choices.find(([, , name]) => name === escapeHtml(COMPANY.name));
  if (!company) throw new Error(`the picker does not offer ${COMPANY.name}: ${pageText(picker.body)}`);
  const token = /name="p" value="([^"]+)"/.exec(picker.body)?.[1];
  if (!token) throw new Error('the picker page has no form token');
  const done = await submitForm(new URL('/connect/pick', picker.url).toString(), { p: token, account: company[1]! });
  shows('browser:', `ticks ${COMPANY.name}, Connect → ${pageText(done.body)}`);
  const account = await stack.app.db
    .selectFrom('social_accounts')
    .select('id')
    .where('workspace_id', '=', stack.workspaceId)
    .where('external_account_id', '=', `urn:li:organization:${COMPANY.id}`)
    .executeTakeFirst();
  if (!account) throw new Error(`the company page was not connected: ${pageText(done.body)}`);
  return account;
}

async function playSlack(stack: Stack, accounts: { bluesky: string; linkedin: string }): Promise<void> {
  const at = new Date(Date.now() + 12_000).toISOString().replace(/\.\d+Z$/, 'Z');
  const thread3 =
    "Greenlight 1.0 is out: draft in Slack, approve with a button, publish everywhere.\n---\nEvery outcome lands in the card's thread, so nothing fails silently.\n---\nSelf-hosted, one Postgres, MIT licensed.";
  const linkedinText =
    'Greenlight 1.0 is out: the approval and publishing desk your team runs itself. Draft in Slack, approve with a button, publish to every network on time.';

  scene('Slack #marketing: Ana drafts a 3-part thread for X and Bluesky, with a LinkedIn version and a picture');
  shows(`${who(AUTHOR)}:`, `/post → compose form, publish at ${at} (her zone: Europe/Berlin)`);
  const { filename, width, height, alt } = DEMO_IMAGE;
  const file = stack.slack.shareFile({ userId: AUTHOR, name: filename, bytes: await demoImage(), mimetype: 'image/png', width, height });
  shows(`${who(AUTHOR)}:`, `attaches ${filename} (${width}×${height}), alt text: “${alt}”`);
  const sent = await draft(stack, {
    text: thread3,
    accounts: [stack.accounts.x, accounts.bluesky, accounts.linkedin],
    variants: { linkedin: linkedinText },
    when: at,
    files: [file],
    alt: [alt],
  });
  if (sent.body !== undefined) throw new Error(`the form was refused: ${JSON.stringify(sent.body)}`);
  const first = await stack.slack.waitFor(() => card(stack), { what: 'the card' });
  shows('#approvals card:', cardSummary(first.blocks));
  shows('#approvals card:', await cardImage(stack));

  scene('Olli, who is not an approver, clicks Approve');
  await click(stack, OUTSIDER, 'approve');
  shows(`only ${who(OUTSIDER)}:`, (await stack.slack.waitFor(() => stack.slack.ephemerals(OUTSIDER)[0], { what: 'the refusal' })).text);

  scene('Marta asks for a change');
  const form = await opens(stack, MANAGER, () => click(stack, MANAGER, 'request_changes'));
  await stack.slack.submitView({
    userId: MANAGER,
    viewId: form.id,
    values: { value: { value: { type: 'plain_text_input', value: 'Please mention it is free to self-host.' } } },
  });
  shows('card thread:', await threadLine(stack, 'requested changes'));

  scene('Ana edits; the post goes back to review');
  const edit = await opens(stack, AUTHOR, () => click(stack, AUTHOR, 'edit'));
  const edited = thread3.replace('Self-hosted, one Postgres', 'Free to self-host, one Postgres');
  // She picks no new file: the post keeps its picture, and the alt text field comes filled with its alt text.
  const keptAlt = initialValue(edit.blocks, 'alt');
  await stack.slack.submitView({
    userId: AUTHOR,
    viewId: edit.id,
    values: {
      text: { value: { type: 'plain_text_input', value: edited } },
      targets: { value: { type: 'checkboxes', selected_options: [stack.accounts.x, accounts.bluesky, accounts.linkedin].map((value) => ({ value })) } },
      variant_linkedin: { value: { type: 'plain_text_input', value: linkedinText } },
      when: { value: { type: 'plain_text_input', value: at } },
      zone: { value: { type: 'plain_text_input', value: 'Europe/Berlin' } },
      alt: { value: { type: 'plain_text_input', value: keptAlt } },
    },
  });
  shows('card thread:', await threadLine(stack, 'edited the post'));

  scene('Marta approves');
  await stack.slack.waitFor(() => (card(stack)!.text.startsWith('Waiting') ? true : undefined), { what: 'back in review' });
  // Approval covers the picture too: Marta approves once the card shows it.
  shows('#approvals card:', await cardImage(stack));
  await click(stack, MANAGER, 'approve');
  shows('card thread:', await threadLine(stack, 'Approved by'));
  shows('card thread:', await threadLine(stack, 'Scheduled for'));

  scene("Before the publish time, X revokes the app's token (say, a password change)");
  stack.x.revokeToken(stack.tokens.x.accessToken);
  shows('waiting:', `until ${at}…`);
  for (const network of ['Bluesky', 'LinkedIn']) shows('card thread:', await threadLine(stack, `Published to ${network}`, 30_000));
  const failed = await threadLine(stack, 'X failed', 30_000);
  shows('card thread:', `${failed}  [Reconnect X] [Retry X]`);

  scene('Root reconnects X through the OAuth flow, then presses Retry');
  const reconnect = stack.slack.threadReplies(APPROVALS, card(stack)!.ts).find((m) => m.text.startsWith('X failed'))!;
  const link = buttonUrl(reconnect.blocks, 'Reconnect X');
  stack.x.consent = { userId: stack.tokens.x.userId };
  const page = await browse(link);
  shows('browser:', `${page.hops.length} redirects (Greenlight → X consent → callback), then: ${pageText(page.body)}`);
  shows('card thread:', `${await threadLine(stack, 'X reconnected')}  [Retry X]`);
  await stack.slack.clickButton({ userId: ADMIN, actionId: 'retry_delivery', channelId: APPROVALS, messageTs: reconnect.ts });
  shows('card thread:', await threadLine(stack, 'asked to retry X'));
  shows('card thread:', await threadLine(stack, 'Published to X', 20_000));
  await stack.slack.waitFor(() => (card(stack)!.text.startsWith('Published') ? true : undefined), { what: 'the card to say Published' });
  shows('#approvals card:', card(stack)!.text);
}

async function playDiscord(stack: Stack): Promise<void> {
  // A few seconds ahead, with room for the approval first: a post unapproved at its time does not go out.
  const at = new Date(Date.now() + 8_000).toISOString().replace(/\.\d+Z$/, 'Z');
  scene('Discord: Cora, a community manager, schedules a post for Mastodon; Mika approves');
  shows(`${who(D_AUTHOR)}:`, `/post → compose form, publish at ${at}`);
  const answer = await dDraft(stack, {
    user: D_AUTHOR,
    text: 'Community call this Thursday at 18:00 UTC: bring your questions about Greenlight!',
    accounts: [stack.discord!.accounts.mastodon],
    when: at,
  });
  shows(`only ${who(D_AUTHOR)}:`, answer.content);
  await stack.discord!.emulator.waitFor(() => dCard(stack), { what: 'the Discord card' });
  await dClick(stack, D_MANAGER, 'approve');
  shows('thread in #approvals:', await waitThread(stack, 'Approved by'));
  shows('thread in #approvals:', await waitThread(stack, 'Scheduled for'));
  if (stack.mastodon.posts.length > 0) throw new Error('the Discord post went out before its time');
  shows('waiting:', `until ${at}…`);
  shows('thread in #approvals:', await waitThread(stack, 'Published to Mastodon', 0, 30_000));
}

/** What a network received for one published part: its text and its images, each with the alt text that arrived (undefined: none). */
interface Received {
  id: string;
  text: string;
  images: { alt: string | undefined; sha256: string | undefined }[];
}

async function summary(
  stack: Stack,
  linkedin: Awaited<ReturnType<typeof startLinkedInEmulator>>,
  pds: Awaited<ReturnType<typeof startPds>>,
  did: string,
): Promise<number> {
  const order = await publishOrder(stack);
  const received: Record<string, Received[]> = {
    x: inPublishOrder(
      order,
      stack.x.posts.map((p) => ({
        id: p.id,
        text: p.text,
        images: p.mediaIds.map((id) => stack.x.media.find((m) => m.id === id)).map((m) => ({ alt: m?.altText || undefined, sha256: m?.sha256 })),
      })),
    ),
    bluesky: inPublishOrder(order, await blueskyRecords(pds, did)),
    linkedin: inPublishOrder(
      order,
      linkedin.posts.map((p) => ({
        id: p.id,
        text: p.commentary,
        images: p.imageUrns.map((urn, i) => ({ alt: p.altTexts?.[i] || undefined, sha256: linkedin.images.find((m) => m.urn === urn)?.sha256 })),
      })),
    ),
    mastodon: inPublishOrder(
      order,
      stack.mastodon.posts.map((p) => ({
        id: p.id,
        text: p.text,
        images: p.mediaIds.map((id) => stack.mastodon.media.find((m) => m.id === id)).map((m) => ({ alt: m?.description || undefined, sha256: m?.sha256 })),
      })),
    ),
  };
  scene('What reached each network');
  for (const [network, posts] of Object.entries(received)) {
    line(`   ${network.padEnd(9)} ${posts.length} post${posts.length === 1 ? '' : 's'}: ${imagesLine(posts.flatMap((p) => p.images))}`);
    for (const { text, images } of posts) {
      const chars = [...text].length;
      const shown = text.split('\n')[0]!;
      line(`             · ${shown.slice(0, 64)}${shown.length > 64 ? '…' : ''} (${chars} chars${images.length > 0 ? `, ${imagesLine(images)}` : ''})`);
    }
  }
  const deliveries = await stack.app.db
    .selectFrom('deliveries')
    .innerJoin('posts', 'posts.id', 'deliveries.post_id')
    .select(['deliveries.network', 'deliveries.state', 'posts.text'])
    .execute();
  const expected: Record<string, { posts: number; images: number }> = {
    x: { posts: 3, images: 1 },
    bluesky: { posts: 3, images: 1 },
    linkedin: { posts: 1, images: 1 },
    mastodon: { posts: 1, images: 0 },
  };
  // Ana's picture, once per network that got her post, on its first part, with her alt text and the very bytes she attached.
  const sha = createHash('sha256')
    .update(await demoImage())
    .digest('hex');
  // The company page's post went out as the organization the picker connected, not as the member who signed in.
  const asCompany = linkedin.posts.every((p) => p.author === `urn:li:organization:${COMPANY.id}`);
  if (!asCompany) line(`   MISMATCH: LinkedIn posted as ${linkedin.posts.map((p) => p.author).join(', ')}, not the company page`);
  const exact =
    asCompany &&
    deliveries.every((d) => d.state === 'published') &&
    Object.entries(expected).every(([network, n]) => {
      const posts = received[network]!;
      const images = posts.flatMap((p) => p.images);
      return (
        posts.length === n.posts &&
        images.length === n.images &&
        posts.slice(1).every((p) => p.images.length === 0) &&
        images.every((i) => i.alt === DEMO_IMAGE.alt && i.sha256 === sha)
      );
    });
  line(
    `\n${deliveries.length} deliveries, ${deliveries.filter((d) => d.state === 'published').length} published; ${exact ? 'each network holds exactly the posts it was sent: one per delivery (threads count their parts), the picture once, with its alt text.' : 'MISMATCH: see above.'}`,
  );
  return exact ? 0 : 1;
}

/** "1 image with alt text", "2 images, 1 without alt text", "no images". */
function imagesLine(images: Received['images']): string {
  if (images.length === 0) return 'no images';
  const count = `${images.length} image${images.length === 1 ? '' : 's'}`;
  const without = images.filter((i) => !i.alt).length;
  if (without === 0) return `${count} with alt text`;
  if (without === images.length) return `${count} without alt text`;
  return `${count}, ${without} without alt text`;
}

/** The brand's posts on the real PDS: each record's text, and the blobs its embed holds (hashed from the PDS's own copy). */
async function blueskyRecords(pds: Awaited<ReturnType<typeof startPds>>, did: string): Promise<Received[]> {
  type Record = { uri: string; value: { text: string; embed?: { images?: { alt?: string; image: { ref: { $link: string } } }[] } } };
  const records = await pds.xrpc('GET', 'com.atproto.repo.listRecords', { params: { repo: did, collection: 'app.bsky.feed.post' } });
  return Promise.all(
    ((records.json.records as Record[] | undefined) ?? []).map(async (r) => ({
      id: r.uri,
      text: r.value.text,
      images: await Promise.all(
        (r.value.embed?.images ?? []).map(async (i) => {
          const blob = await fetch(`${pds.url}/xrpc/com.atproto.sync.getBlob?did=${encodeURIComponent(did)}&cid=${encodeURIComponent(i.image.ref.$link)}`);
          const bytes = blob.ok ? Buffer.from(await blob.arrayBuffer()) : undefined;
          return { alt: i.alt || undefined, sha256: bytes && createHash('sha256').update(bytes).digest('hex') };
        }),
      ),
    })),
  );
}

/**
 * The rank of every published part by its external id: deliveries in the order their first part went
 * out, then part by part. A network's own listing need not follow it (Bluesky lists by record key, and
 * Greenlight's keys are hashes), so the summary sorts what each network holds by this.
 */
async function publishOrder(stack: Stack): Promise<Map<string, number>> {
  const parts = await stack.app.db.selectFrom('delivery_parts').select(['delivery_id', 'position', 'external_id', 'published_at']).execute();
  const firstOut = new Map<string, number>();
  for (const p of parts) firstOut.set(p.delivery_id, Math.min(firstOut.get(p.delivery_id) ?? Infinity, p.published_at.getTime()));
  const byDelivery = (d: string) => [firstOut.get(d)!, d] as const;
  parts.sort((a, b) => {
    const [ta, da] = byDelivery(a.delivery_id);
    const [tb, db] = byDelivery(b.delivery_id);
    return ta - tb || da.localeCompare(db) || a.position - b.position;
  });
  return new Map(parts.map((p, rank) => [p.external_id, rank]));
}

/** A network's records sorted by publishOrder; any record Greenlight did not publish keeps its place after them. */
function inPublishOrder<T extends { id: string }>(order: Map<string, number>, records: T[]): T[] {
  const rank = (r: { id: string }) => order.get(r.id) ?? Infinity;
  return records
    .map((r, i) => ({ r, i }))
    .sort((a, b) => rank(a.r) - rank(b.r) || a.i - b.i)
    .map(({ r }) => r);
}

/** The only option: `--picture FILE`. Anything else is refused, so a typo does not pass silently. */
function pictureFile(args: string[]): string | undefined {
  if (args.length === 0) return undefined;
  if (args[0] === '--picture' && args.length === 2 && args[1] && !args[1].startsWith('-')) return args[1];
  process.stderr.write(`usage: npm run demo [-- --picture FILE.svg]\n(got: ${args.join(' ')})\n`);
  process.exit(2);
}

function threadLine(stack: Stack, prefix: string, timeoutMs = 10_000): Promise<string> {
  return stack.slack.waitFor(() => thread(stack).find((t) => t.includes(prefix)), { what: `"${prefix}" in the thread`, timeoutMs });
}

/**
 * The card's image, once it shows one (it says "preparing media" while the file is copied in from
 * Slack, and approval waits for it): its title, and the alt text an approver reads with it.
 */
async function cardImage(stack: Stack): Promise<string> {
  const image = await stack.slack.waitFor(
    () => (card(stack)?.blocks as { type: string; title?: { text: string }; alt_text?: string }[] | undefined)?.find((b) => b.type === 'image'),
    { what: 'the picture on the card', timeoutMs: 30_000 },
  );
  return `[image ${image.title?.text ?? ''}] alt text: “${image.alt_text ?? ''}”`;
}

/** The initial value of an input block of a form, as the person sees it filled in. */
function initialValue(blocks: unknown, blockId: string): string {
  const block = (blocks as { block_id?: string; element?: { initial_value?: string } }[]).find((b) => b.block_id === blockId);
  return block?.element?.initial_value ?? '';
}

function cardSummary(blocks: unknown): string {
  const texts = JSON.stringify(blocks ?? []).match(/"text":"\*[^"]*?\*[^"]*?"/g) ?? [];
  return texts.map((t) => JSON.parse(`{${t}}`).text.split('\n')[0]).join('\n');
}

function buttonUrl(blocks: unknown, label: string): string {
  for (const block of (blocks ?? []) as { elements?: { text?: { text?: string }; url?: string }[] }[]) {
    const button = block.elements?.find((e) => e.text?.text === label && e.url);
    if (button?.url) return button.url;
  }
  throw new Error(`no ${label} link on the receipt`);
}

function pageText(html: string): string {
  return (/<h1[^>]*>([\s\S]*?)<\/h1>/.exec(html)?.[1] ?? html.replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' ').trim();
}

/** A database for the demo: on DATABASE_URL's server, or an embedded PostgreSQL in a temporary directory. */
async function demoDatabase() {
  let embedded: RunningEmbeddedPostgres | undefined;
  let dir: string | undefined;
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    dir = await mkdtemp(path.join(os.tmpdir(), 'greenlight-demo-pg-'));
    await chmod(dir, 0o755);
    embedded = await startEmbeddedPostgres({ dataDir: dir, log: createLogger({ level: 'warn' }), database: 'postgres' });
    adminUrl = embedded.url;
  }
  const name = `greenlight_demo_${Date.now().toString(36)}`;
  await adminQuery(adminUrl, `CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const { db } = createDb({ url: url.toString(), poolSize: 3 });
  return {
    url: url.toString(),
    db,
    async drop() {
      await db.destroy();
      await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await embedded?.stop();
      if (dir) await rm(dir, { recursive: true, force: true });
    },
  };
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(sql);
  await client.end();
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`demo failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
