import type { Extension, ExtensionContext } from './start-service.ts';
import type { Config } from '../config/load.ts';
import type { Chat } from '../db/schema.ts';
import type { Network } from '../domain/networks.ts';
import type { Mount } from '../http/server.ts';
import type { NetworkAdapter } from '../networks/adapter.ts';
import { defaultAdapters } from '../networks/build-adapters.ts';
import { mediaService } from './media-service.ts';
import { createPace } from '../media/bulk-pace.ts';
import { cardImageMount } from '../http/card-image-route.ts';
import { connectContext } from '../oauth/context.ts';
import { oauthMounts } from '../oauth/routes.ts';
import type { ChatFileSource } from '../workflow/chat-files.ts';
import type { ChatPort } from '../workflow/chat-port.ts';
import type { WorkflowDeps } from '../workflow/deps.ts';
import { DEFAULT_WEBHOOK_SETTINGS, type WebhookSettings } from '../workflow/webhook-send.ts';
import { startWorkers } from '../workflow/workers.ts';

export interface CoreOptions {
  /** Replaces the real clock (tests, the demo). */
  now?: () => Date;
  /** Replaces or adds network adapters (tests point them at emulators). */
  adapters?: Partial<Record<Network, NetworkAdapter>>;
  /** Retry timing; tests shorten it. */
  retryDelays?: { baseMs: number; maxMs: number };
  /** Outgoing webhooks' attempts, backoff and timeout; tests shorten them. */
  webhooks?: Partial<WebhookSettings>;
  /** Start the background workers (publishing, receipts); off for an HTTP-only replica. */
  workers?: boolean;
}

/**
 * Greenlight's parts in the order they depend on each other: chat edges (their ports), the workflow
 * that uses them, the listeners that call the workflow, and the workers.
 */
export function greenlightCore(config: Config, options: CoreOptions = {}): Extension {
  return {
    name: 'greenlight',
    async start(ctx: ExtensionContext) {
      // Each chat's stack (Bolt and Express, discord.js) is loaded only when that chat is configured:
      // it is most of an idle process's memory.
      const slack = config.slack
        ? await (await import('../chat/slack/slack-app.ts')).createSlackEdge(config.slack, {
            ...ctx,
            publicUrl: config.http.publicUrl,
            stateSecret: config.stateSecret,
          })
        : undefined;
      const chats: Partial<Record<Chat, ChatPort>> = {};
      if (slack) chats.slack = slack.port(ctx.db);
      const chatFiles: Partial<Record<Chat, ChatFileSource>> = {};
      if (slack) chatFiles.slack = slack.files(ctx.db, config.media.maxFileBytes);
      const discord = config.discord
        ? await (await import('../chat/discord/discord-app.ts')).createDiscordEdge(config.discord, ctx.log, ctx.metrics)
        : undefined;
      if (discord) {
        chats.discord = discord.port(ctx.db);
        chatFiles.discord = discord.files;
      }
      const deps: WorkflowDeps = {
        db: ctx.db,
        queue: ctx.queue,
        cipher: ctx.cipher,
        log: ctx.log,
        metrics: ctx.metrics,
        now: options.now ?? (() => new Date()),
        adapters: { ...defaultAdapters(config), ...options.adapters },
        chats,
        chatFiles,
        publicUrl: config.http.publicUrl,
        stateSecret: config.stateSecret,
        media: { quotaBytes: config.media.quotaBytes, maxFileBytes: config.media.maxFileBytes },
        mediaBytes: ctx.mediaBytes,
        videoPace: createPace({ bytesPerSecond: config.media.videoSendBytesPerSecond }),
        publish: {
          retries: config.publish.retries,
          ...(options.retryDelays ?? { baseMs: config.publish.retryBaseMs, maxMs: config.publish.retryMaxMs }),
          // An attempt older than this has lost its worker: every call it makes times out well before.
          stuckAfterMs: 2 * config.publish.networkTimeoutMs + 10_000,
        },
        postingLimits: config.publish.postingLimits,
        linkPreview: { timeoutMs: config.linkPreview.timeoutMs, media: config.media },
        firstCommentDelayMs: config.firstComment.delaySeconds * 1000,
        webhooks: { ...DEFAULT_WEBHOOK_SETTINGS, allowPlainHttp: config.env !== 'production', ...options.webhooks },
      };
      const mounts: Mount[] = [...oauthMounts(connectContext(deps, config))];
      // The card's images (issue 14): served while the post is reviewed, under a signed link.
      if (config.stateSecret)
        mounts.push(
          cardImageMount({
            db: ctx.db,
            mediaBytes: ctx.mediaBytes,
            secret: config.stateSecret,
            now: deps.now,
            log: ctx.log.child({ component: 'card-image' }),
          }),
        );
      const stops: (() => Promise<void>)[] = [];
      // Interactions run on the chat pool; the workers below keep the main one.
      const interactive: WorkflowDeps = { ...deps, db: ctx.chatDb };
      if (slack) {
        const started = await slack.start(interactive);
        mounts.push(...started.mounts);
        stops.push(started.stop);
      }
      if (discord) {
        const started = await discord.start(interactive);
        mounts.push(...started.mounts);
        stops.push(started.stop);
      }
      if (options.workers !== false) {
        const workers = await startWorkers(deps, { publishConcurrency: config.publish.concurrency });
        stops.push(async () => workers.stop());
      }
      return { mounts, stop: async () => void (await Promise.all(stops.map((s) => s()))) };
    },
  };
}

/** The parts that run in `npm start`. */
export function defaultExtensions(config: Config): Extension[] {
  return [greenlightCore(config), mediaService(config)];
}
