import type { Config } from '../config/load.ts';
import type { Network } from '../domain/networks.ts';
import type { NetworkAdapter } from './adapter.ts';
import { createBlueskyAdapter } from './bluesky.ts';
import { createFacebookAdapter } from './facebook.ts';
import { createInstagramAdapter } from './instagram.ts';
import { createLinkedInAdapter } from './linkedin.ts';
import { createMastodonAdapter } from './mastodon.ts';
import { createThreadsAdapter } from './threads.ts';
import { createXAdapter } from './x.ts';
import { createWebhookAdapter } from './webhook.ts';

/** Every network's adapter as configured (the CLI's account checks use them too). */
export function defaultAdapters(config: Config): Partial<Record<Network, NetworkAdapter>> {
  const timeoutMs = config.publish.networkTimeoutMs;
  return {
    x: createXAdapter({ baseUrl: config.networks.xApiUrl, timeoutMs, ...config.oauth.x.client }),
    mastodon: createMastodonAdapter({ timeoutMs }),
    bluesky: createBlueskyAdapter({ serviceUrl: config.oauth.bluesky.serviceUrl, timeoutMs }),
    linkedin: createLinkedInAdapter({
      baseUrl: config.oauth.linkedin.apiUrl,
      oauthUrl: config.oauth.linkedin.authUrl,
      timeoutMs,
      ...config.oauth.linkedin.client,
    }),
    facebook: createFacebookAdapter({ baseUrl: config.oauth.facebook.apiUrl, timeoutMs }),
    instagram: createInstagramAdapter({ baseUrl: config.oauth.facebook.apiUrl, timeoutMs }),
    threads: createThreadsAdapter({ baseUrl: config.oauth.threads.apiUrl, timeoutMs }),
    webhook: createWebhookAdapter({ timeoutMs }),
  };
}
