import type { Extension } from './start-service.ts';
import type { Config } from '../config/load.ts';
import { mediaMount } from '../http/media-route.ts';
import { QUEUES } from '../queue/queue.ts';
import { runMediaRetention } from '../workflow/media-retention.ts';

export interface MediaServiceOptions {
  now?: () => Date;
  /** Run the retention job's worker (off for an HTTP-only replica). */
  workers?: boolean;
}

/**
 * Greenlight's media store as a part of the service (issue 14): the signed `/media/<id>` route that
 * networks pull images from, and the daily retention job. Intake from the chats and uploads to the
 * networks use src/db/media-store.ts directly.
 */
export function mediaService(config: Config, options: MediaServiceOptions = {}): Extension {
  return {
    name: 'media',
    async start(ctx) {
      const now = options.now ?? (() => new Date());
      const secret = ctx.config.stateSecret ?? config.stateSecret;
      // Without a state secret (never in production: config requires it) no URL can be signed or served.
      const mounts = secret ? [mediaMount({ db: ctx.db, mediaBytes: ctx.mediaBytes, secret, now, log: ctx.log.child({ component: 'media' }) })] : [];
      if (options.workers !== false) {
        await ctx.queue.work(QUEUES.mediaRetention, { loops: 1, batchSize: 1 }, async () => {
          await runMediaRetention({ db: ctx.db, mediaBytes: ctx.mediaBytes, log: ctx.log, now, retentionDays: config.media.retentionDays });
        });
      }
      return { mounts };
    },
  };
}
