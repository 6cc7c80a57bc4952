import { NETWORKS } from '../domain/networks.ts';
import {
  QUEUES,
  publishQueue,
  type DigestJob,
  type FirstCommentJob,
  type LinkPreviewJob,
  type MediaIntakeJob,
  type NotifyJob,
  type PublishJob,
  type StoredMetricsJob,
  type RemindJob,
  type ReviewDeadlineJob,
  type WebhookJob,
} from '../queue/queue.ts';
import { handleMetricsBatch } from './analytics/collect-metrics.ts';
import { handleDigestJob, scheduleDigests } from './digest/send-digest.ts';
import { handleWebhookJob } from './webhook-send.ts';
import type { WorkflowDeps } from './deps.ts';
import { createPublisher } from './delivery/publish-delivery.ts';
import { coalesce } from './delivery/coalesce.ts';
import { startDueAlarm } from './delivery/due-alarm.ts';
import { sweep } from './delivery/sweep.ts';
import { refreshExpiringTokens } from './accounts/refresh-job.ts';
import { refreshInstanceLimits } from './instance-limits.ts';
import { handleNotifyJob, notifyStartsOf } from './card/update-card.ts';
import { handleRemindJob } from './remind.ts';
import { handleMediaIntakeJob } from './media-copy.ts';
import { handleReviewDeadlineJob } from './review-deadline.ts';
import { handleLinkPreviewJob } from './link-preview.ts';
import { handleFirstCommentJob } from './first-comment.ts';

/**
 * Starts the background workers. Publishing runs many deliveries at once, each network on its own
 * queue with its own slots: a network that is down or slow (every call still has a timeout) fills
 * only its own, and never delays another's deliveries. Receipts run in order per post.
 */
export async function startWorkers(deps: WorkflowDeps, options: { publishConcurrency: number }): Promise<{ stop: () => void }> {
  const publish = createPublisher(deps);
  const slots = publishSlots(options.publishConcurrency);
  // Waiting jobs of the publish queues before issue 18 go to today's before anything is fetched; what
  // fails here the sweeper moves within a minute.
  await deps.queue.moveLegacyPublishJobs(deps.db).catch((error: unknown) => {
    deps.log.warn({ err: error }, 'could not move the waiting jobs of the old publish queues yet; the sweeper will');
  });
  for (const network of NETWORKS) {
    await deps.queue.work<PublishJob>(publishQueue(network), slots, (job) => publish(job.data.deliveryId, job.signal));
  }
  // Jobs from before the per-network queues (or seeded straight into the old queue): same handler.
  await deps.queue.work<PublishJob>(QUEUES.publish, slots, (job) => publish(job.data.deliveryId, job.signal));
  // The jobs of a fetched batch read their posts, workspaces and series places together (three statements, not three each).
  // Batches of 25: each fetch of this strict-FIFO queue reads every waiting notify job to find the
  // heads of their posts, so after a burst (a receipt per delivery) fewer, larger fetches cost the
  // database less (docs/benchmarks.md, issue 18); one post's jobs still never share a batch.
  const loadNotify = coalesce((postIds: string[]) => notifyStartsOf(deps, postIds), { maxBatch: 25, windowMs: 0 });
  await deps.queue.work<NotifyJob>(QUEUES.notify, { loops: 2, batchSize: 25 }, (job) => handleNotifyJob(deps, job.data.postId, loadNotify));
  await deps.queue.work<RemindJob>(QUEUES.remind, { loops: 1, batchSize: 5 }, (job) => handleRemindJob(deps, job.data.postId, job.data.version));
  await deps.queue.work<ReviewDeadlineJob>(QUEUES.reviewDeadline, { loops: 1, batchSize: 5 }, (job) =>
    handleReviewDeadlineJob(deps, job.data.postId, job.data.version),
  );
  await deps.queue.work(QUEUES.sweep, { loops: 1, batchSize: 1 }, async () => {
    await sweep(deps);
  });
  await deps.queue.work(QUEUES.refreshTokens, { loops: 1, batchSize: 1 }, async (job) => {
    await refreshExpiringTokens(deps, job.signal);
    await refreshInstanceLimits(deps, job.signal);
  });
  // Each attempt is one POST with its own timeout: a slow receiver holds only its own slot.
  await deps.queue.work<WebhookJob>(QUEUES.webhooks, { loops: 2, batchSize: 10 }, (job) => handleWebhookJob(deps, job.data.deliveryId, job.signal));
  await deps.queue.work(QUEUES.digestSchedule, { loops: 1, batchSize: 1 }, async () => {
    await scheduleDigests(deps);
  });
  // Copies of attached files from the chats: a few at once, each streaming one file at a time.
  await deps.queue.work<MediaIntakeJob>(QUEUES.mediaIntake, { loops: 1, batchSize: 2 }, (job) => handleMediaIntakeJob(deps, job.data.postId, job.signal));
  await deps.queue.work<DigestJob>(QUEUES.digest, { loops: 1, batchSize: 2 }, (job) => handleDigestJob(deps, job.data));
  // Each job reads one page (and its image) under its own deadline.
  await deps.queue.work<LinkPreviewJob>(QUEUES.linkPreview, { loops: 1, batchSize: 4 }, (job) =>
    handleLinkPreviewJob(deps, job.data.postId, job.data.version, job.signal),
  );
  await deps.queue.work<FirstCommentJob>(QUEUES.firstComment, { loops: 1, batchSize: 5 }, (job) =>
    handleFirstCommentJob(deps, job.data.deliveryId, job.signal),
  );
  // Whole batches of due measurements: one account's posts share its network calls (X: 100 a call). Ten
  // jobs a fetch: each holds the deliveries recorded together (up to 50), so that is up to 500 lookups.
  await deps.queue.workBatch<StoredMetricsJob>(QUEUES.metrics, { loops: 1, batchSize: 10 }, (jobs) => handleMetricsBatch(deps, jobs));
  return startDueAlarm(deps);
}

/**
 * One network's slots (PUBLISH_CONCURRENCY each). A loop waits for its whole batch before fetching
 * again, so a slow call holds back its batch's loop; with several loops the others carry on. Few
 * loops per queue, because every idle loop polls (nine publish queues).
 */
export function publishSlots(concurrency: number): { loops: number; batchSize: number } {
  const loops = Math.min(4, Math.max(1, Math.ceil(concurrency / 25)));
  return { loops, batchSize: Math.max(1, Math.ceil(concurrency / loops)) };
}
