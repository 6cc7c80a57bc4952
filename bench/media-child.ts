import { loadConfig } from '../src/config/load.ts';
import type { Config } from '../src/config/schema.ts';
import { insertPost } from '../src/db/posts.ts';
import { findOrCreateWorkspace } from '../src/db/workspaces.ts';
import { createLogger } from '../src/log.ts';
import { mediaService } from '../src/service/media-service.ts';
import { type Greenlight, startGreenlight } from '../src/service/start-service.ts';

/**
 * The Greenlight a media bench's child process measures (media-memory, media-publish, video-upload): its
 * fresh database migrated, one workspace, and one post whose files the child stores. With `secret` it
 * serves the signed /media route (STATE_SECRET; no workers); without, it is the store alone.
 */
export async function startMediaChild(o: {
  databaseUrl: string;
  /** The workspace's Slack team id. */
  team: string;
  secret?: string;
  /** More settings (MEDIA_STORE=s3 and its bucket). */
  env?: Record<string, string>;
  /** `scheduled`: due in an hour, so nothing publishes it; `publishing`: as a worker has it. */
  postState: 'scheduled' | 'publishing';
}): Promise<{ app: Greenlight; config: Config; workspaceId: string; postId: string }> {
  const config = loadConfig({
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'error',
    DATABASE_URL: o.databaseUrl,
    ...(o.secret ? { STATE_SECRET: o.secret } : {}),
    GREENLIGHT_DATA_DIR: '.greenlight/bench',
    ...o.env,
  });
  const extensions = o.secret ? [mediaService(config, { workers: false })] : [];
  const app = await startGreenlight({ config, log: createLogger({ level: 'error' }), extensions });
  const ws = await findOrCreateWorkspace(app.db, 'slack', o.team);
  const post = await insertPost(app.db, {
    workspaceId: ws.id,
    authorId: 'U1',
    state: o.postState,
    text: 'Bench',
    note: null,
    originChannelId: 'C1',
    publishAt: o.postState === 'scheduled' ? new Date(Date.now() + 3600_000) : new Date(),
    zone: 'UTC',
    contentHash: 'h',
    accountIds: [],
    variants: {},
    media: [],
  });
  return { app, config, workspaceId: ws.id, postId: post.id };
}
