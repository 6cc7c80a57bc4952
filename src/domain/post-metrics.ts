/**
 * A post's counts when asked. A field left undefined is one the network does not report: stored as
 * "not reported", never as zero. `reposts` includes quotes where the network counts them apart.
 */
export interface PostMetrics {
  likes?: number;
  reposts?: number;
  replies?: number;
  impressions?: number;
}
