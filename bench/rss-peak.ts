/**
 * A process's peak resident memory, sampled every 20 ms: how the media benches' child processes
 * (media-memory, media-publish, video-upload) measure themselves. Kept apart from harness.ts so that a
 * child loads nothing for it.
 */
export interface RssPeak {
  /** The highest resident memory read since the last `settle` or `restart` (bytes). */
  readonly peak: number;
  /** With `detail`: what V8 accounted for at that reading (heap, Buffers); else the reading at the last `settle`. */
  readonly atPeak: NodeJS.MemoryUsage;
  /** One reading now (the interval may not have come since the work ended). */
  sample(): void;
  /**
   * Collects garbage (node --expose-gc), lets 200 ms pass, and starts the peak over from the memory
   * then: the baseline, returned.
   */
  settle(): Promise<NodeJS.MemoryUsage>;
  /** Starts the peak over from the resident memory now, without collecting. */
  restart(): void;
  stop(): void;
}

const EVERY_MS = 20;

/** `detail`: each reading also takes V8's figures (process.memoryUsage(), dearer than its rss alone). */
export function rssPeak(options: { detail?: boolean } = {}): RssPeak {
  let peak = 0;
  let atPeak = process.memoryUsage();
  const sample = () => {
    if (options.detail) {
      const m = process.memoryUsage();
      if (m.rss > peak) atPeak = m;
      peak = Math.max(peak, m.rss);
    } else {
      peak = Math.max(peak, process.memoryUsage.rss());
    }
  };
  const timer = setInterval(sample, EVERY_MS);
  return {
    get peak() {
      return peak;
    },
    get atPeak() {
      return atPeak;
    },
    sample,
    async settle() {
      globalThis.gc?.();
      await new Promise((r) => setTimeout(r, 200));
      const base = process.memoryUsage();
      peak = base.rss;
      atPeak = base;
      return base;
    },
    restart() {
      peak = process.memoryUsage.rss();
    },
    stop() {
      clearInterval(timer);
    },
  };
}
