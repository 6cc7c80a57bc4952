import type { Network } from '../domain/networks.ts';
import { paced } from '../media/bulk-pace.ts';
import type { UploadCheckpoint, VideoSource } from './adapter.ts';
import { makeError, pause } from './http.ts';

/**
 * What every network's video upload shares (issue 15): reading one segment of a stored video and a
 * bounded wait for the network's processing with backoff. The
 * network-specific flows live in each network's adapter file.
 */

/**
 * One segment of the file, `start..end` inclusive, as one Buffer: memory holds a segment, never the file.
 * With `into` (a buffer of at least the segment's size, reused for every segment of one upload), no new
 * memory is taken per segment: a 500 MB upload would otherwise leave 125 dead 4 MiB buffers for the
 * collector, which shows as resident memory. The caller must be done with the last segment (its request
 * answered) before reading the next one into the same buffer.
 */
export async function readSegment(file: VideoSource, start: number, end: number, into?: Buffer): Promise<Buffer> {
  const length = end - start + 1;
  const buffer = into && into.length >= length ? into.subarray(0, length) : Buffer.allocUnsafe(length);
  let filled = 0;
  // Each piece takes its turn (file.pace): the segment is read before its request, so the wait is never inside a call's timeout.
  for await (const piece of paced(file.read({ start, end }), file.pace)) filled += piece.copy(buffer, filled);
  if (filled !== buffer.length) throw new Error(`media ${file.mediaId}: read ${filled} of ${buffer.length} bytes of a segment`);
  return buffer;
}

/** The inclusive byte ranges of a file cut in segments of `size`. */
export function segmentRanges(bytes: number, size: number): { index: number; start: number; end: number }[] {
  const ranges: { index: number; start: number; end: number }[] = [];
  for (let index = 0, start = 0; start < bytes; index++, start += size) ranges.push({ index, start, end: Math.min(bytes, start + size) - 1 });
  return ranges;
}

export interface ProcessingWait {
  /** The first wait, and the longest between two polls. */
  firstMs: number;
  maxMs: number;
  /** The whole wait in one attempt; past it the attempt ends `transient` and the next one polls again. */
  budgetMs: number;
}

export type PollAnswer<T> = { done: true; value: T } | { done: false; afterMs?: number | undefined };

/**
 * Polls until the network says the video is done, waiting longer each time (×1.5, capped, or the
 * network's own hint), for at most `budgetMs`. Running out is `transient` ("still processing"): the
 * delivery is retried later and never reported as published. A network's "failed" is the poll's to throw.
 */
export async function waitForProcessing<T>(
  network: Network,
  label: string,
  wait: ProcessingWait,
  signal: AbortSignal,
  poll: () => Promise<PollAnswer<T>>,
): Promise<T> {
  const started = Date.now();
  let delay = wait.firstMs;
  for (;;) {
    const answer = await poll();
    if (answer.done) return answer.value;
    const next = Math.min(wait.maxMs, Math.max(delay, answer.afterMs ?? 0));
    if (Date.now() - started + next > wait.budgetMs) {
      throw makeError(network, [], {
        errorClass: 'transient',
        networkCode: 'video_processing_timeout',
        message: `${label} is still processing the video after ${Math.round((Date.now() - started) / 1000)} s; Greenlight will check again`,
      });
    }
    await pause(network, next, signal);
    delay = Math.min(wait.maxMs, Math.ceil(delay * 1.5));
  }
}

/** A network's "processing failed": permanent, with the network's own reason for the thread. */
export function processingFailed(network: Network, label: string, reason: string | undefined, code?: string) {
  return makeError(network, [], {
    errorClass: 'permanent',
    networkCode: code ?? 'video_processing_failed',
    networkMessage: reason,
    message: `${label} could not process the video${reason ? `: ${reason}` : ''}`,
  });
}

/** A typed view of a checkpoint: `load` narrows, `save` merges. */
export function checkpointOf<T extends Record<string, unknown>>(checkpoint: UploadCheckpoint) {
  let current: Partial<T> | undefined;
  return {
    async load(): Promise<Partial<T>> {
      current = ((await checkpoint.load()) as Partial<T> | undefined) ?? {};
      return current;
    },
    async save(patch: Partial<T>): Promise<void> {
      current = { ...(current ?? {}), ...patch };
      await checkpoint.save(current as Record<string, unknown>);
    },
    async clear(): Promise<void> {
      current = {};
      await checkpoint.save(undefined);
    },
  };
}
