import { claimReceipt, lastReceiptMessageId, markReceiptPosted, pendingReceipts, releaseReceipt, reopenTakeover } from '../../db/thread-receipts.ts';
import type { ChatMessage, Post, Workspace } from '../../db/schema.ts';
import type { Network } from '../../domain/networks.ts';
import { RECONNECT_KINDS, reconnectLinksFor } from '../accounts/reconnect-links.ts';
import type { Receipt } from './card-view.ts';
import { ReceiptLookupUnavailable } from '../chat-port.ts';
import type { WorkflowDeps } from '../deps.ts';
import { receiptFor } from './receipt-for.ts';

/** Another worker holds an earlier receipt of this post: retry later, so the thread keeps its order. */
export class ReceiptBusyError extends Error {
  readonly code = 'receipt_busy';
  constructor(postId: string, eventId: string) {
    super(`the receipt of event ${eventId} (post ${postId}) is being posted by another worker; retrying later keeps the thread in order`);
  }
}

/**
 * Posts the receipts of the post's events not yet in the thread, oldest first, each exactly once: a
 * receipt is claimed in one statement before posting and marked posted (with the chat's message id)
 * after, so a notify job running twice (an expired job beside its retry) or on two replicas posts it
 * once. A chat error releases the claim and throws: the job retries, the receipt is late, never lost.
 */
export async function postReceipts(deps: WorkflowDeps, workspace: Workspace, post: Post, ref: ChatMessage): Promise<void> {
  const pending = await pendingReceipts(deps.db, post.id);
  if (pending.length === 0) return;
  const chat = deps.chats[workspace.chat]!;
  const fallback = (network: Network) => `${deps.publicUrl}/connect/${network}?workspace=${workspace.id}`;
  const links = { reconnect: pending.some((e) => RECONNECT_KINDS.includes(e.kind)) ? await reconnectLinksFor(deps, post.id, workspace.id) : fallback };
  for (const event of pending) {
    const receipt = receiptFor(event, post.zone, links, chat.quote?.bind(chat));
    // An event the card alone shows has nothing to post: done, one statement, no claim needed.
    if (!receipt) {
      await markReceiptPosted(deps.db, event.id, null);
      continue;
    }
    const claim = await claimReceipt(deps.db, event.id);
    if (!claim) throw new ReceiptBusyError(post.id, event.id);
    const key = `r${event.id}`;
    if (claim.takeover) {
      const found = await postedBeforeTakeover(deps, workspace, post.id, event.id, ref, receipt, key);
      if (found) {
        await markReceiptPosted(deps.db, event.id, found);
        continue;
      }
    }
    let messageId: string;
    try {
      messageId = await chat.postReceipt(workspace, ref, receipt, key);
    } catch (error) {
      chatPostFailed(deps, workspace, post.id, 'receipt', error, event.id);
      await releaseReceipt(deps.db, event.id);
      throw error;
    }
    // A crash right here (posted, not yet marked) leaves the claim: once the lease runs out, the
    // next worker takes it over and finds the reply in the thread (postedBeforeTakeover).
    await markReceiptPosted(deps.db, event.id, messageId);
  }
}

/**
 * The worker that held this claim died, perhaps after the chat took the reply: its id if the thread
 * has it. A failed look-up throws with the claim reopened, so the job's retry takes it over and looks
 * again (never posting blind, never waiting out another lease). A chat that may not read the thread (a scope the install lacks) gets the reply
 * posted: a receipt twice beats none.
 */
async function postedBeforeTakeover(
  deps: WorkflowDeps,
  workspace: Workspace,
  postId: string,
  eventId: string,
  ref: ChatMessage,
  receipt: Receipt,
  key: string,
): Promise<string | undefined> {
  const after = (await lastReceiptMessageId(deps.db, postId)) ?? ref.message_id;
  try {
    return await deps.chats[workspace.chat]!.findReceipt(workspace, ref, receipt, key, after);
  } catch (error) {
    if (!(error instanceof ReceiptLookupUnavailable)) {
      await reopenTakeover(deps.db, eventId);
      throw error;
    }
    deps.log.warn(
      { err: error, postId, workspaceId: workspace.id, chat: workspace.chat, key },
      'cannot check the thread for a receipt taken over; posting it, so it may appear twice',
    );
    return undefined;
  }
}

/** Counted and logged with the post id; the caller rethrows so the job retries. */
export function chatPostFailed(deps: WorkflowDeps, workspace: Workspace, postId: string, kind: 'card' | 'receipt', error: unknown, eventId?: string): void {
  deps.metrics.chatPostFailures.inc({ chat: workspace.chat, kind });
  deps.log.warn(
    { err: error, postId, workspaceId: workspace.id, chat: workspace.chat, ...(eventId ? { eventId } : {}) },
    `the chat did not take the ${kind}; it is retried until it does`,
  );
}
