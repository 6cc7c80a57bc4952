import { createHash } from 'node:crypto';
import { fromKysely, PgBoss, type Job, type JobResult } from 'pg-boss';
import type { MetricSlot } from '../domain/metric-slots.ts';
import { type Db, type Executor, preparing } from '../db/database.ts';
import { lockWaitingJobKeys, takeWaitingJobs } from '../db/queue-jobs.ts';
import { inTransaction } from '../db/transaction.ts';
import { NETWORKS, type Network } from '../domain/networks.ts';
import { withLogContext, type LogContext, type Logger } from '../log.ts';

/**
 * The only module that imports pg-boss. Jobs are wake-up calls: the row in our tables is the truth,
 * and every handler re-reads it, so a duplicate, late or early job changes nothing by itself.
 */
export const QUEUES = {
  /**
   * Publish wake-ups enqueued before each network had its own queue (and by tools that seed jobs
   * directly); still worked, so an upgrade strands nothing. New ones go to publishQueue(network).
   */
  publish: 'publish',
  /** Thread replies and card refreshes, retried until the chat takes them. */
  notify: 'notify',
  /** Every minute: re-enqueue due deliveries that lost their job, recover stuck ones. */
  sweep: 'sweep',
  /** Reminders for cards nobody answered. */
  remind: 'remind',
  /** At a post's publish time, for a post still in review: the thread says it was not published. */
  reviewDeadline: 'review-deadline',
  /** Daily: refresh tokens that expire within a day (a refused refresh asks for a reconnect); read Mastodon instances' post length again. */
  refreshTokens: 'refresh-tokens',
  /** One job per attempt of one outgoing webhook delivery, at its due time. */
  webhooks: 'webhooks',
  /** Hourly: workspaces whose weekly digest is due get a digest job. */
  digestSchedule: 'digest-schedule',
  /** One workspace's weekly digest: numbers, chart, upload to the chat. */
  digest: 'digest',
  /** One job per slot (1 h, 6 h, 24 h, 7 d) of the deliveries published together, fetched and measured in batches. */
  metrics: 'metrics',
  /** Daily: media of finished posts past MEDIA_RETENTION_DAYS, stale copies and abandoned files are removed. */
  mediaRetention: 'media-retention',
  /** Files attached in a chat, copied into the media store after the form was answered (one job per post). */
  mediaIntake: 'media-intake',
  /** One post's link card (issue 16): its page read after the compose form was answered. */
  linkPreview: 'link-preview',
  /** One delivery's first comment, right after its post went out (issue 16). */
  firstComment: 'first-comment',
} as const;

/**
 * One publish queue per network, each with its own workers: a network that is down or slow fills
 * only its own slots (pg-boss's work() loop waits for its whole batch, so a shared queue lets slow
 * calls hold every loop), and the other networks' deliveries are fetched and published as before.
 *
 * These queues have pg-boss's `standard` policy (issue 18). The `publish-<network>` queues before them
 * were `stately`, whose fetch probes every candidate for a running job of the same key: over a burst's
 * backlog that anti-join was the largest single database cost of a delivery. What it guarded (one
 * running job per delivery) the delivery row's claim already guarantees, and `upsert` still keeps one
 * waiting job per delivery. pg-boss fixes a queue's policy at creation, hence new names; the waiting
 * jobs of the old queues are moved over (moveLegacyPublishJobs).
 */
export function publishQueue(network: Network): `publish-v2-${Network}` {
  return `publish-v2-${network}`;
}

/** A network's publish queue before issue 18 (`stately`): its waiting jobs are moved to publishQueue(network). */
export function legacyPublishQueue(network: Network): `publish-${Network}` {
  return `publish-${network}`;
}

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES] | ReturnType<typeof publishQueue>;

export interface PublishJob {
  deliveryId: string;
}
export interface NotifyJob {
  postId: string;
}
export interface RemindJob {
  postId: string;
  version: number;
}
export interface ReviewDeadlineJob {
  postId: string;
  version: number;
}
export interface WebhookJob {
  deliveryId: string;
}
export interface DigestJob {
  workspaceId: string;
  dueAt: string;
}
export interface FirstCommentJob {
  deliveryId: string;
}
export interface LinkPreviewJob {
  postId: string;
  version: number;
}
export interface MediaIntakeJob {
  postId: string;
}

/**
 * One measurement slot of the deliveries published together (one job per recorded batch and slot, not
 * per delivery). Jobs queued before that carry one `deliveryId` instead; the worker takes both.
 */
export interface MetricsJob {
  deliveryIds: string[];
  slot: MetricSlot;
  attempt: number;
}
/** A metrics job as it may sit in the queue: the current shape, or one from before batching. */
export type StoredMetricsJob = MetricsJob | { deliveryId: string; slot: MetricSlot; attempt: number };

export interface Queue {
  start(): Promise<void>;
  /** Marks the start of shutdown, before anything is stopped (errors then log at debug level). */
  beginShutdown(): void;
  stop(options?: { graceful?: boolean; timeoutMs?: number }): Promise<void>;
  /**
   * Moves the waiting jobs of the publish queues before issue 18 (`publish-<network>`, stately) to
   * today's (publishQueue), in batches, each batch one transaction: a job is in one queue or the other.
   * At start and by the sweeper (an older replica may still send there during an upgrade). Returns how many moved.
   */
  moveLegacyPublishJobs(db: Db): Promise<number>;
  /** A publish wake-up for a delivery at `at` on its network's queue, inside the caller's transaction (moves a waiting one). */
  sendPublish(tx: Executor, delivery: { id: string; network: Network }, at: Date): Promise<void>;
  sendNotify(tx: Executor, job: NotifyJob): Promise<void>;
  /**
   * The sweeper's catch-up for a post whose receipts wait: nothing if a notify job is waiting or
   * running, a failed one retried (it holds the post's key), otherwise a new job.
   */
  nudgeNotify(postId: string): Promise<'live' | 'retried' | 'sent'>;
  /**
   * Notify jobs for a batch of recorded outcomes (two statements whatever its size): one for each post
   * that has no notify job waiting yet. A post whose job waits gets none: that job, kept from starting until this
   * transaction commits, posts this batch's receipts too when it runs.
   */
  sendNotifyAll(tx: Executor, jobs: NotifyJob[]): Promise<void>;
  sendRemind(tx: Executor, job: RemindJob, at: Date): Promise<void>;
  /** The wake-up at a post's publish time while it waits for approval (one per post version). */
  sendReviewDeadline(tx: Executor, job: ReviewDeadlineJob, at: Date): Promise<void>;
  sendWebhook(tx: Executor, job: WebhookJob, at: Date): Promise<void>;
  /** Many webhook jobs at `at` in one statement (the webhooks of a batch of recorded events). */
  sendWebhooks(tx: Executor, jobs: WebhookJob[], at: Date): Promise<void>;
  sendDigest(tx: Executor, job: DigestJob): Promise<void>;
  /** Read a post version's link card, once (one job per post version). */
  sendLinkPreview(tx: Executor, job: LinkPreviewJob): Promise<void>;
  /** A delivery's first comment at `at` (one waiting job per delivery). */
  sendFirstComment(tx: Executor, job: FirstCommentJob, at: Date): Promise<void>;
  /** The copy of a post's attached files into the media store, inside the caller's transaction. */
  sendMediaIntake(tx: Executor, job: MediaIntakeJob): Promise<void>;
  /** Metrics wake-ups (one per group of deliveries and slot, at `at`), in one statement inside the caller's transaction. */
  sendMetrics(tx: Executor, jobs: (MetricsJob & { at: Date })[]): Promise<void>;
  /** Like `work`, but the handler gets each fetched batch whole and returns the ids of the jobs that failed. */
  workBatch<T extends object>(name: QueueName, options: { loops: number; batchSize: number }, handler: (jobs: Job<T>[]) => Promise<string[]>): Promise<void>;
  /** `loops` fetch loops, each taking up to `batchSize` jobs at a time and running them in parallel. */
  work<T extends object>(name: QueueName, options: { loops: number; batchSize: number }, handler: (job: Job<T>) => Promise<void>): Promise<void>;
  /** Makes `name`'s workers in this process fetch now instead of at their next poll (a job just fell due). */
  wake(name: QueueName): void;
  ping(): Promise<boolean>;
  depth(name: QueueName): Promise<number>;
  boss: PgBoss;
}

/**
 * `pollingIntervalSeconds`: how often an idle worker looks for jobs that fell due. Jobs sent for "now" wake
 * their workers at once (LISTEN/NOTIFY) and deliveries are woken at their due time (the due alarm), so
 * this bounds only the lateness of other deferred jobs (reminders, retries, metrics); every loop of every
 * queue polls, so a short interval costs an idle process dozens of queries a second.
 */
export function createQueue(options: { url: string; log: Logger; poolSize?: number; pollingIntervalSeconds?: number }): Queue {
  const boss = new PgBoss({
    connectionString: options.url,
    schema: 'pgboss',
    max: options.poolSize ?? 10,
    application_name: 'greenlight-queue',
    // A queue with notify wakes its workers the moment a job is created; deferred jobs still rely
    // on polling, hence the short polling interval below.
    useListenNotify: true,
    supervise: true,
    schedule: true,
    migrate: true,
  });
  preparePgBossStatements(boss);
  const log = options.log.child({ component: 'queue' });
  // Background loops never throw: pg-boss emits, we log and carry on. Once shutdown has begun, the
  // database going away first (Ctrl-C reaches an embedded Postgres too) is expected, not an error.
  let stopping = false;
  boss.on('error', (error) =>
    stopping ? log.debug({ err: briefError(error) }, 'queue error during shutdown') : log.error({ err: briefError(error) }, 'queue error'),
  );
  boss.on('warning', (warning) => log.warn({ warning }, 'queue warning'));
  const pollingIntervalSeconds = options.pollingIntervalSeconds ?? 5;
  // Each fetch loop is its own pg-boss worker (localConcurrency 1), so wake() can reach every one.
  const workerIds = new Map<QueueName, string[]>();
  // Only a queue's first loop polls at that interval; the others poll EXTRA_LOOP_POLL_FACTOR times less
  // often. They are woken like the first (a NOTIFY wakes every loop of its queue, wake() too, and a full
  // batch fetches again at once), and the first loop's poll still finds a deferred job in time. Every
  // idle poll is a fetch statement: ten publish queues of up to four loops each polled about ten times
  // a second in all, a tenth of PostgreSQL's time in the throughput bench (issue 18).
  const pollEvery = (loop: number) => (loop === 0 ? pollingIntervalSeconds : pollingIntervalSeconds * EXTRA_LOOP_POLL_FACTOR);
  const startLoops = async (name: QueueName, loops: number, start: (pollSeconds: number) => Promise<string>) => {
    const ids: string[] = [];
    for (let i = 0; i < loops; i++) ids.push(await start(pollEvery(i)));
    workerIds.set(name, [...(workerIds.get(name) ?? []), ...ids]);
  };

  const send = async (tx: Executor, name: QueueName, data: object, extra: { startAfter?: Date; singletonKey?: string }) => {
    await boss.send(name, data, { ...extra, db: fromKysely(tx) });
  };

  return {
    boss,
    async start() {
      await boss.start();
      await createQueues(boss);
      await boss.schedule(QUEUES.sweep, '* * * * *', {}, { singletonKey: 'sweep' });
      await boss.schedule(QUEUES.refreshTokens, '17 4 * * *', {}, { singletonKey: 'refresh-tokens', tz: 'UTC' });
      await boss.schedule(QUEUES.digestSchedule, '0 * * * *', {}, { singletonKey: 'digest-schedule', tz: 'UTC' });
      await boss.schedule(QUEUES.mediaRetention, '43 3 * * *', {}, { singletonKey: 'media-retention', tz: 'UTC' });
    },
    beginShutdown() {
      stopping = true;
    },
    async stop({ graceful = true, timeoutMs = 10_000 } = {}) {
      stopping = true;
      await boss.stop({ graceful, timeout: timeoutMs, close: true });
    },
    async moveLegacyPublishJobs(db) {
      const legacy = new Map<string, string>(NETWORKS.map((n) => [legacyPublishQueue(n), publishQueue(n)]));
      // One query for which of the old queues this database has (usually none: nothing more to do).
      const existing = (await boss.getQueues([...legacy.keys()])).map((q) => q.name);
      if (existing.length === 0) return 0;
      let moved = 0;
      for (;;) {
        const batch = await inTransaction(db, async (tx) => {
          const taken = await takeWaitingJobs(tx, existing, LEGACY_MOVE_BATCH);
          // One waiting job per delivery (a stately queue could hold a created and a retry one): the earliest.
          const byKey = new Map<string, (typeof taken)[number]>();
          for (const job of taken) {
            const key = `${job.name}:${job.singletonKey ?? JSON.stringify(job.data)}`;
            const kept = byKey.get(key);
            if (!kept || job.startAfter < kept.startAfter) byKey.set(key, job);
          }
          const byQueue = new Map<string, JobInsert[]>();
          for (const job of byKey.values()) {
            const target = legacy.get(job.name)!;
            const rows = byQueue.get(target) ?? [];
            rows.push({
              data: job.data as object,
              startAfter: job.startAfter,
              priority: job.priority,
              ...(job.singletonKey ? { singletonKey: job.singletonKey } : {}),
            });
            byQueue.set(target, rows);
          }
          for (const [name, rows] of byQueue) await boss.insert(name, rows, { db: fromKysely(tx) });
          return taken.length;
        });
        moved += batch;
        if (batch < LEGACY_MOVE_BATCH) break;
      }
      if (moved > 0) log.info({ moved }, 'moved waiting publish jobs from the publish queues before issue 18');
      return moved;
    },
    // upsert: a waiting job for the delivery is moved to the new time (publish now, reschedule, the
    // sweeper), otherwise one is added. The running one, if any, is left alone.
    async sendPublish(tx, delivery, at) {
      await boss.upsert(publishQueue(delivery.network), { deliveryId: delivery.id } satisfies PublishJob, {
        singletonKey: delivery.id,
        startAfter: at,
        db: fromKysely(tx),
      });
    },
    sendNotify: (tx, job) => send(tx, QUEUES.notify, job, { singletonKey: job.postId }),
    async nudgeNotify(postId) {
      const jobs = await boss.findJobs(QUEUES.notify, { key: postId });
      if (jobs.some((j) => j.state === 'created' || j.state === 'retry' || j.state === 'active')) return 'live';
      const failed = jobs.filter((j) => j.state === 'failed').map((j) => j.id);
      if (failed.length > 0) {
        await boss.retry(QUEUES.notify, failed);
        return 'retried';
      }
      await boss.send(QUEUES.notify, { postId } satisfies NotifyJob, { singletonKey: postId });
      return 'sent';
    },
    // The receipts are rows written before the job (thread_receipts), and a notify job posts every receipt
    // of its post not yet posted: a waiting job serves the new ones as well as its own. A post's events on
    // several networks, recorded in several batches, then cost one job, one fetch and one completion.
    async sendNotifyAll(tx, jobs) {
      const postIds = [...new Set(jobs.map((job) => job.postId))];
      if (postIds.length === 0) return;
      const waiting = await lockWaitingJobKeys(tx, QUEUES.notify, postIds);
      const fresh = postIds.filter((postId) => !waiting.has(postId));
      if (fresh.length > 0)
        await boss.insert(
          QUEUES.notify,
          fresh.map((postId) => ({ data: { postId } satisfies NotifyJob, singletonKey: postId })),
          { db: fromKysely(tx) },
        );
    },
    sendRemind: (tx, job, at) => send(tx, QUEUES.remind, job, { startAfter: at, singletonKey: `${job.postId}:${job.version}` }),
    sendReviewDeadline: (tx, job, at) => send(tx, QUEUES.reviewDeadline, job, { startAfter: at, singletonKey: `${job.postId}:${job.version}` }),
    sendFirstComment: (tx, job, at) => send(tx, QUEUES.firstComment, job, { startAfter: at, singletonKey: job.deliveryId }),
    sendLinkPreview: (tx, job) => send(tx, QUEUES.linkPreview, job, { singletonKey: `${job.postId}:${job.version}` }),
    // The delivery row's lease decides who sends: a duplicate job finds it taken and does nothing.
    sendWebhook: (tx, job, at) => send(tx, QUEUES.webhooks, job, { startAfter: at }),
    async sendWebhooks(tx, jobs, at) {
      if (jobs.length > 0)
        await boss.insert(
          QUEUES.webhooks,
          jobs.map((job) => ({ data: job satisfies WebhookJob, startAfter: at })),
          { db: fromKysely(tx) },
        );
    },
    sendDigest: (tx, job) => send(tx, QUEUES.digest, job, { singletonKey: `${job.workspaceId}:${job.dueAt}` }),
    // One waiting and one running job per post: the job copies whatever of the post is still `preparing`.
    sendMediaIntake: (tx, job) => send(tx, QUEUES.mediaIntake, job, { singletonKey: job.postId }),
    // One waiting job per set of deliveries and slot: a second send for a slot already waiting adds nothing.
    async sendMetrics(tx, jobs) {
      const rows = jobs
        .filter((job) => job.deliveryIds.length > 0)
        .map(({ at, ...job }) => ({ data: job satisfies MetricsJob, singletonKey: metricsKey(job), startAfter: at }));
      if (rows.length === 0) return;
      await boss.insert(QUEUES.metrics, rows, { db: fromKysely(tx) });
    },
    async workBatch(name, { loops, batchSize }, handler) {
      const workerLog = log.child({ queue: name });
      await startLoops(name, loops, (pollSeconds) =>
        boss.work(
          name,
          // A full batch means more is due: fetch again at once, not after a poll.
          {
            batchSize,
            localConcurrency: 1,
            perJobResults: true,
            pollingIntervalSeconds: pollSeconds,
            notifyPollingIntervalSeconds: pollSeconds,
            burstWhenBatchFull: true,
          },
          async (jobs) => {
            let failed: Set<string>;
            try {
              failed = new Set(await withLogContext({ queue: name }, () => handler(jobs as Job<never>[])));
            } catch (error) {
              workerLog.error({ err: error, jobs: jobs.length }, 'batch failed; pg-boss will retry its jobs');
              failed = new Set(jobs.map((j) => j.id));
            }
            return jobs.map((job): JobResult => (failed.has(job.id) ? { id: job.id, status: 'failed' } : { id: job.id, status: 'completed' }));
          },
        ),
      );
    },
    async work(name, { loops, batchSize }, handler) {
      const workerLog = log.child({ queue: name });
      await startLoops(name, loops, (pollSeconds) =>
        boss.work(
          name,
          {
            batchSize,
            localConcurrency: 1,
            perJobResults: true,
            pollingIntervalSeconds: pollSeconds,
            notifyPollingIntervalSeconds: pollSeconds,
            // A full batch means more is waiting (a burst at 9:00): fetch again at once, not after a poll.
            burstWhenBatchFull: true,
          },
          // A batch runs in parallel and each job settles on its own: one failing job is retried
          // alone, and a slow one holds only its own slot until the batch is done.
          async (jobs) =>
            Promise.all(
              jobs.map(async (job): Promise<JobResult> => {
                try {
                  await withLogContext(jobLogContext(name, job), () => handler(job as Job<never>));
                  return { id: job.id, status: 'completed' };
                } catch (error) {
                  workerLog.error({ err: error, jobId: job.id, data: job.data }, 'job failed; pg-boss will retry it');
                  return { id: job.id, status: 'failed', output: { message: error instanceof Error ? error.message : String(error) } };
                }
              }),
            ),
        ),
      );
    },
    wake(name) {
      for (const id of workerIds.get(name) ?? []) boss.notifyWorker(id);
    },
    async ping() {
      try {
        await boss.getDb().executeSql('SELECT 1');
        return true;
      } catch {
        return false;
      }
    },
    async depth(name) {
      const queue = await boss.getQueue(name);
      return queue ? queue.queuedCount : 0;
    },
  };
}

/**
 * A metrics job's singleton key: one delivery keeps the key jobs had before batching
 * (`<delivery>:<slot>`); a set of them is named by a digest of its sorted ids.
 */
export function metricsKey(job: Pick<MetricsJob, 'deliveryIds' | 'slot'>): string {
  if (job.deliveryIds.length === 1) return `${job.deliveryIds[0]}:${job.slot}`;
  const digest = createHash('sha256')
    .update([...job.deliveryIds].sort().join(','))
    .digest('base64url')
    .slice(0, 22);
  return `${job.slot}:${digest}`;
}

/** pg-boss needs a number; this one is never reached (see the notify queue). */
export const NOTIFY_RETRY_LIMIT = 1_000_000;

/** How many times less often a queue's second and later loops poll than its first (see startLoops). */
const EXTRA_LOOP_POLL_FACTOR = 6;

/** Jobs moved from the old publish queues per transaction. */
const LEGACY_MOVE_BATCH = 1_000;

type JobInsert = Parameters<PgBoss['insert']>[1][number];

/**
 * pg-boss's fetch and completion statements, on its own pool, run as prepared statements like ours
 * (src/db/database.ts, preparing): their planning cost about as much PostgreSQL CPU as running them in
 * the throughput bench (issue 18). pg-boss makes its pool when it starts (its Db's open), so the hook
 * goes on open; a pg-boss without that Db (a caller-supplied db) is left as it is.
 */
function preparePgBossStatements(boss: PgBoss): void {
  const db = boss.getDb() as unknown as { open?: () => Promise<void>; pool?: { on(event: 'connect', listener: (client: never) => void): unknown } };
  const open = db.open?.bind(db);
  if (!open) return;
  db.open = async () => {
    await open();
    db.pool?.on('connect', preparing);
  };
}

async function createQueues(boss: PgBoss): Promise<void> {
  // Every option is set here on purpose; pg-boss defaults are tuned for a different workload.
  await ensureQueue(boss, QUEUES.publish, { ...PUBLISH_QUEUE_OPTIONS, policy: 'stately' });
  for (const name of NETWORKS.map(publishQueue)) await ensureQueue(boss, name, PUBLISH_QUEUE_OPTIONS);
  // The queues before issue 18, where a database has them: their options follow this file until they are empty.
  for (const name of NETWORKS.map(legacyPublishQueue))
    if (await boss.getQueue(name)) await ensureQueue(boss, name, { ...PUBLISH_QUEUE_OPTIONS, policy: 'stately' });
  await ensureQueue(boss, QUEUES.notify, {
    // One post's receipts go out one at a time and in order; other posts are not held back.
    policy: 'key_strict_fifo',
    notify: true,
    // No cap in practice (about 19 years at the 10-minute ceiling): a receipt waits out a chat outage of
    // any length instead of being dropped, and a failed job would hold its post's key (strict FIFO).
    retryLimit: NOTIFY_RETRY_LIMIT,
    retryDelay: 2,
    retryBackoff: true,
    retryDelayMax: 600,
    expireInSeconds: 60,
    retentionSeconds: 7 * 24 * 3600,
    deleteAfterSeconds: 7 * 24 * 3600,
  });
  await ensureQueue(boss, QUEUES.sweep, {
    policy: 'singleton',
    notify: false,
    retryLimit: 0,
    retryDelay: 0,
    retryBackoff: false,
    expireInSeconds: 60,
    retentionSeconds: 3600,
    deleteAfterSeconds: 3600,
  });
  await ensureQueue(boss, QUEUES.refreshTokens, {
    // One run at a time; a missed day is caught by the next run (the horizon is a whole day).
    policy: 'singleton',
    notify: false,
    retryLimit: 3,
    retryDelay: 300,
    retryBackoff: true,
    retryDelayMax: 3600,
    // Every refresh call has its own timeout; many accounts take a while.
    expireInSeconds: 1800,
    heartbeatSeconds: 30,
    retentionSeconds: 7 * 24 * 3600,
    deleteAfterSeconds: 7 * 24 * 3600,
  });
  await ensureQueue(boss, QUEUES.webhooks, {
    policy: 'standard',
    notify: true,
    // Failed HTTP attempts are rescheduled by the handler with its own backoff (a new job each);
    // these retries only cover a handler that crashed or lost its database.
    retryLimit: 3,
    retryDelay: 10,
    retryBackoff: true,
    retryDelayMax: 300,
    // One POST with a 10 s timeout.
    expireInSeconds: 60,
    retentionSeconds: 7 * 24 * 3600,
    deleteAfterSeconds: 7 * 24 * 3600,
  });
  await ensureQueue(boss, QUEUES.digestSchedule, {
    policy: 'singleton',
    notify: false,
    retryLimit: 0,
    retryDelay: 0,
    retryBackoff: false,
    expireInSeconds: 300,
    retentionSeconds: 24 * 3600,
    deleteAfterSeconds: 24 * 3600,
  });
  await ensureQueue(boss, QUEUES.mediaRetention, {
    // One run at a time; a missed day is caught by the next run (the rules compare dates, not runs).
    policy: 'singleton',
    notify: false,
    retryLimit: 2,
    retryDelay: 600,
    retryBackoff: false,
    expireInSeconds: 1800,
    retentionSeconds: 7 * 24 * 3600,
    deleteAfterSeconds: 7 * 24 * 3600,
  });
  await ensureQueue(boss, QUEUES.mediaIntake, {
    // One waiting and one running copy per post (singletonKey = post id); an edit's copy waits for the running one.
    policy: 'stately',
    notify: true,
    // A failed download the author can act on ends the job (the post goes back to them); these retries
    // cover a chat or database that was briefly away (about 25 minutes in all: after 20 the copy gives
    // up and tells the author, src/workflow/media-copy.ts). A retry starts each unfinished file again.
    retryLimit: 12,
    retryDelay: 5,
    retryBackoff: true,
    retryDelayMax: 300,
    // Ten files of up to MEDIA_MAX_FILE_MB each, one after another.
    expireInSeconds: 900,
    heartbeatSeconds: 30,
    retentionSeconds: 7 * 24 * 3600,
    deleteAfterSeconds: 7 * 24 * 3600,
  });
  await ensureQueue(boss, QUEUES.digest, {
    policy: 'standard',
    notify: true,
    // The chat may be down for a while; the digest row keeps it to one per week.
    retryLimit: 6,
    retryDelay: 60,
    retryBackoff: true,
    retryDelayMax: 1800,
    expireInSeconds: 300,
    retentionSeconds: 14 * 24 * 3600,
    deleteAfterSeconds: 14 * 24 * 3600,
  });
  await ensureQueue(boss, QUEUES.metrics, {
    // One waiting and one running job per delivery and slot: a rate-limited batch re-sends its jobs
    // for the reset time while they still run.
    policy: 'stately',
    // Every job is future-dated (1 h to 7 d ahead), which LISTEN/NOTIFY never announces: polling finds them.
    notify: false,
    // Network failures are rescheduled by the handler with backoff (a new job each); these retries only
    // cover a handler that crashed or lost its database.
    retryLimit: 5,
    retryDelay: 60,
    retryBackoff: true,
    retryDelayMax: 3600,
    // A batch of 100 lookups, sequential calls on some networks, each with its own timeout.
    expireInSeconds: 900,
    heartbeatSeconds: 30,
    // A 7-day job waits a week before it runs; rate-limit reschedules add to that.
    retentionSeconds: 30 * 24 * 3600,
    deleteAfterSeconds: 7 * 24 * 3600,
  });
  await ensureQueue(boss, QUEUES.remind, {
    policy: 'standard',
    notify: false,
    retryLimit: 5,
    retryDelay: 30,
    retryBackoff: true,
    expireInSeconds: 60,
    retentionSeconds: 7 * 24 * 3600,
    deleteAfterSeconds: 7 * 24 * 3600,
  });
  await ensureQueue(boss, QUEUES.linkPreview, {
    // Sent for now: notify wakes a worker at once. The page read has its own deadline (a few seconds);
    // a crash or lost database retries, and the row's status keeps the card to one per version.
    policy: 'standard',
    notify: true,
    retryLimit: 3,
    retryDelay: 5,
    retryBackoff: true,
    expireInSeconds: 120,
    retentionSeconds: 24 * 3600,
    deleteAfterSeconds: 24 * 3600,
  });
  await ensureQueue(boss, QUEUES.firstComment, {
    // The comment row is the truth (claimed before the call); retries cover transient network failures,
    // counted in the row, and a handler that crashed.
    policy: 'standard',
    notify: true,
    retryLimit: 6,
    retryDelay: 5,
    retryBackoff: true,
    retryDelayMax: 300,
    expireInSeconds: 120,
    // As the publish queue's: a worker killed mid-comment is found in seconds, not after the 2-minute expiry
    // (the chaos run saw comments wait that out).
    heartbeatSeconds: 10,
    retentionSeconds: 7 * 24 * 3600,
    deleteAfterSeconds: 7 * 24 * 3600,
  });
  await ensureQueue(boss, QUEUES.reviewDeadline, {
    // Deferred to the publish time: polling finds it (notify does not fire for future jobs). The
    // handler only writes an event, so a short retry covers a database blip.
    policy: 'standard',
    notify: false,
    retryLimit: 5,
    retryDelay: 10,
    retryBackoff: true,
    expireInSeconds: 60,
    // Counted from the start time, so a post months ahead keeps its job.
    retentionSeconds: 7 * 24 * 3600,
    deleteAfterSeconds: 7 * 24 * 3600,
  });
}

type QueueOptions = NonNullable<Parameters<PgBoss['createQueue']>[1]>;

/** The same for every network's publish queue (and the old shared one, created `stately`, as before). */
const PUBLISH_QUEUE_OPTIONS: QueueOptions = {
  // No singleton checks at fetch: the delivery row's claim (src/db/claim.ts) lets exactly one attempt
  // call the network however many jobs wake for it, and upsert (sendPublish) keeps one waiting job
  // per delivery, so a sweeper re-enqueue never doubles it.
  policy: 'standard',
  notify: true,
  retryLimit: 10,
  retryDelay: 2,
  retryBackoff: true,
  retryDelayMax: 300,
  // A network call has its own timeout well under this; the heartbeat finds a dead worker in seconds.
  expireInSeconds: 300,
  heartbeatSeconds: 10,
  retentionSeconds: 14 * 24 * 3600,
  deleteAfterSeconds: 7 * 24 * 3600,
};

async function ensureQueue(boss: PgBoss, name: string, options: QueueOptions): Promise<void> {
  if (!(await boss.getQueue(name))) {
    await boss.createQueue(name, options);
    return;
  }
  // Policy and partitioning are fixed at creation; the rest (heartbeat and longest retry delay included)
  // follows this file on every start, so an existing install gets a changed setting too.
  const { policy: _policy, partition: _p, ...mutable } = options;
  await boss.updateQueue(name, mutable);
}

/**
 * pg's errors carry the whole connection object (`client`: parameters, buffers, timers); logged as
 * they are, one lost connection writes kilobytes per line. What an operator needs is the words, the
 * SQLSTATE and where it was raised.
 */
function briefError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) };
  const { code, severity } = error as Error & { code?: string; severity?: string };
  return { type: error.name, message: error.message, ...(code ? { code } : {}), ...(severity ? { severity } : {}), stack: error.stack };
}

/** The job's ids for every line its handler logs: which job, and the post or delivery it names. */
function jobLogContext(queue: string, job: Job<unknown>): LogContext {
  const data = (job.data ?? {}) as { postId?: unknown; deliveryId?: unknown };
  return {
    queue,
    jobId: job.id,
    ...(typeof data.postId === 'string' ? { postId: data.postId } : {}),
    // The webhooks queue's deliveries are webhook deliveries, not a post's: named apart so a search is exact.
    ...(typeof data.deliveryId === 'string' ? { [queue === QUEUES.webhooks ? 'webhookDeliveryId' : 'deliveryId']: data.deliveryId } : {}),
  };
}
