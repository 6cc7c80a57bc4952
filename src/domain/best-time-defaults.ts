import { bucketOf } from './best-time-buckets.ts';
import type { Network } from './networks.ts';

/**
 * The slots suggested while a workspace has too little history on a network, always labelled
 * "default". They follow the common published guidance for business accounts (weekday mornings and
 * lunchtime; LinkedIn mid-week mornings; Instagram late mornings), read in the workspace's zone. A
 * starting point, not data: as soon as the workspace's own posts are measured, they take over.
 * Only social networks have them; a target without an entry (a webhook) has no best time.
 */
export const DEFAULT_SLOTS: Partial<Record<Network, readonly number[]>> = {
  x: [bucketOf(2, 9), bucketOf(3, 12), bucketOf(4, 9)], //                Tue 9:00, Wed 12:00, Thu 9:00
  linkedin: [bucketOf(2, 10), bucketOf(3, 9), bucketOf(4, 11)], //        Tue 10:00, Wed 9:00, Thu 11:00
  bluesky: [bucketOf(2, 9), bucketOf(3, 12), bucketOf(4, 17)], //         Tue 9:00, Wed 12:00, Thu 17:00
  mastodon: [bucketOf(2, 10), bucketOf(3, 14), bucketOf(4, 10)], //       Tue 10:00, Wed 14:00, Thu 10:00
  facebook: [bucketOf(2, 9), bucketOf(3, 13), bucketOf(5, 9)], //         Tue 9:00, Wed 13:00, Fri 9:00
  instagram: [bucketOf(2, 11), bucketOf(3, 11), bucketOf(5, 10)], //      Tue 11:00, Wed 11:00, Fri 10:00
  threads: [bucketOf(2, 9), bucketOf(3, 12), bucketOf(4, 9)], //          Tue 9:00, Wed 12:00, Thu 9:00
};
