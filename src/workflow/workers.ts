import { QUEUES, type NotifyJob, type PublishJob, type RemindJob } from '../queue/queue.ts';
import type { WorkflowDeps } from './deps.ts';
import { handlePublishJob } from './delivery/publish-delivery.ts';
import { sweep } from './delivery/sweep.ts';
import { refreshExpiringTokens } from '../oauth/refresh-job.ts';
import { handleNotifyJob } from './notify.ts';
import { handleRemindJob } from './remind.ts';

/**
 * Starts the background workers. Publishing runs many deliveries at once (one network being slow
 * only occupies its own slots, every call has a timeout); receipts run in order per post.
 */
export async function startWorkers(deps: WorkflowDeps, options: { publishConcurrency: number }): Promise<void> {
  await deps.queue.work<PublishJob>(QUEUES.publish, publishSlots(options.publishConcurrency), (job) =>
    handlePublishJob(deps, job.data.deliveryId, job.signal),
  );
  await deps.queue.work<NotifyJob>(QUEUES.notify, { loops: 2, batchSize: 10 }, (job) =>
    handleNotifyJob(deps, job.data.postId),
  );
  await deps.queue.work<RemindJob>(QUEUES.remind, { loops: 1, batchSize: 5 }, (job) => handleRemindJob(deps, job.data.postId, job.data.version));
  await deps.queue.work(QUEUES.sweep, { loops: 1, batchSize: 1 }, async () => {
    await sweep(deps);
  });
  await deps.queue.work(QUEUES.refreshTokens, { loops: 1, batchSize: 1 }, async (job) => {
    await refreshExpiringTokens(deps, job.signal);
  });
}

/** Several small batches rather than one big one: a slow network call holds back only its own batch. */
function publishSlots(concurrency: number): { loops: number; batchSize: number } {
  const loops = Math.min(10, Math.max(1, Math.ceil(concurrency / 10)));
  return { loops, batchSize: Math.max(1, Math.ceil(concurrency / loops)) };
}
