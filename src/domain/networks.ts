export const NETWORKS = ['x', 'linkedin', 'bluesky', 'mastodon', 'facebook', 'instagram', 'threads', 'webhook'] as const;
export type Network = (typeof NETWORKS)[number];

export const NETWORK_LABELS: Record<Network, string> = {
  x: 'X',
  linkedin: 'LinkedIn',
  bluesky: 'Bluesky',
  mastodon: 'Mastodon',
  facebook: 'Facebook',
  instagram: 'Instagram',
  threads: 'Threads',
  webhook: 'Webhook',
};

/** Networks where a text with `---` separators is published as a chain of replies. */
export const THREADED_NETWORKS: readonly Network[] = ['x', 'bluesky', 'threads', 'mastodon'];

export function isNetwork(value: string): value is Network {
  return (NETWORKS as readonly string[]).includes(value);
}

export function isThreadedNetwork(network: Network): boolean {
  return THREADED_NETWORKS.includes(network);
}
