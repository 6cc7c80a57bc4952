import { createHash } from 'node:crypto';
import type { FacebookEmulator } from '../../emulators/facebook.ts';
import type { InstagramEmulator } from '../../emulators/instagram.ts';
import type { LinkedInEmulator } from '../../emulators/linkedin.ts';
import type { ThreadsEmulator } from '../../emulators/threads.ts';
import { connectAccount } from '../../src/db/accounts.ts';
import { attachMedia } from '../../src/db/media-store.ts';
import { insertPost } from '../../src/db/posts.ts';
import type { Post } from '../../src/db/schema.ts';
import { inTransaction } from '../../src/db/transaction.ts';
import type { Network } from '../../src/domain/networks.ts';
import { scheduleApprovedPost } from '../../src/workflow/schedule-deliveries.ts';
import { engineDeps } from './engine.ts';
import { ADMIN, AUTHOR, CHANNEL, type Stack } from './greenlight.ts';
import type { TestAccount, TestPds } from './pds.ts';

/**
 * The set-up the stored-media end-to-end tests share (issue 14 images, issue 15 videos, MEDIA_STORE=s3):
 * the brand's accounts on the emulators, and approved posts of stored files handed to the publish workers.
 */

export const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** What the tests store their files under: far from the quota, a generous file limit. */
export const MEDIA_LIMITS = { quotaBytes: 500_000_000, maxFileBytes: 50_000_000 };

/** An account of the brand connected by ADMIN in the stack's workspace; its id. */
export async function connectBrand(
  stack: Stack,
  network: Network,
  externalAccountId: string,
  credentials: { accessToken: string; refreshToken?: string },
  instanceUrl?: string,
): Promise<string> {
  const account = await connectAccount(stack.app.db, stack.app.cipher, {
    workspaceId: stack.workspaceId,
    network,
    externalAccountId,
    displayName: `${network} brand`,
    connectedBy: ADMIN,
    credentials,
    ...(instanceUrl ? { instanceUrl } : {}),
  });
  return account.id;
}

/** The networks a stored file can go to beside the stack's own X and Mastodon. */
export interface BrandNetworks {
  ig: InstagramEmulator;
  threads: ThreadsEmulator;
  fb: FacebookEmulator;
  li: LinkedInEmulator;
  pds: TestPds;
  brand: TestAccount;
}

/** The brand's account on every network (X and Mastodon are the stack's own), by network. */
export async function connectEveryNetwork(stack: Stack, n: BrandNetworks): Promise<Partial<Record<Network, string>>> {
  const igToken = n.ig.issueToken();
  const thToken = n.threads.issueToken(undefined, 'greenlight');
  const fbToken = n.fb.issueToken();
  const liToken = n.li.issueToken();
  return {
    x: stack.accounts.x,
    mastodon: stack.accounts.mastodon,
    instagram: await connectBrand(stack, 'instagram', igToken.userId, { accessToken: igToken.accessToken }),
    threads: await connectBrand(stack, 'threads', thToken.userId, { accessToken: thToken.accessToken }),
    facebook: await connectBrand(stack, 'facebook', fbToken.pageId, { accessToken: fbToken.accessToken }),
    linkedin: await connectBrand(stack, 'linkedin', liToken.author, { accessToken: liToken.accessToken, refreshToken: liToken.refreshToken }),
    bluesky: await connectBrand(stack, 'bluesky', n.brand.did, { accessToken: n.brand.accessJwt, refreshToken: n.brand.refreshJwt }, n.pds.url),
  };
}

/**
 * An approved post of files already stored (tied to it in the order given), scheduled for now: the
 * stack's publish workers take it from there.
 */
export async function scheduleStoredPost(stack: Stack, o: { text: string; accountIds: string[]; mediaIds: string[] }): Promise<Post> {
  const db = stack.app.db;
  const post = await insertPost(db, {
    workspaceId: stack.workspaceId,
    authorId: AUTHOR,
    state: 'approved',
    text: o.text,
    note: null,
    originChannelId: CHANNEL,
    publishAt: new Date(),
    zone: 'UTC',
    contentHash: sha(Buffer.from(o.text)),
    accountIds: o.accountIds,
    variants: {},
    media: [],
  });
  await attachMedia(db, post.id, o.mediaIds);
  await inTransaction(db, (tx) => scheduleApprovedPost(tx, engineDeps(stack), post, ADMIN));
  return post;
}
