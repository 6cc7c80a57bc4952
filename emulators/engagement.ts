import { createHash } from 'node:crypto';
import { graphError, type Reply } from './common.ts';

/**
 * Deterministic synthetic engagement for the network emulators' metrics endpoints: the numbers of a
 * post follow from a seed and the post's id alone (SHA-256), so a test computes the exact numbers a
 * metrics call must store with the same function. `replies` is often 0, so tests see reported zeros
 * beside "not reported". Each emulator lets a test pin a post's numbers (`engagement.set(id, {...})`).
 */
export interface Engagement {
  impressions: number;
  likes: number;
  reposts: number;
  quotes: number;
  replies: number;
}

export const DEFAULT_METRICS_SEED = 'greenlight';

export function syntheticEngagement(seed: string, postId: string): Engagement {
  const digest = createHash('sha256').update(`${seed}:${postId}`).digest();
  const word = (i: number) => digest.readUInt32BE(i * 4);
  const impressions = 200 + (word(0) % 9_800);
  const likes = word(1) % Math.max(1, Math.floor(impressions / 25));
  const reposts = word(2) % (Math.floor(likes / 4) + 1);
  return { impressions, likes, reposts, quotes: word(3) % 3, replies: word(4) % 4 };
}

/** The engagement a post shows: pinned numbers where a test set them, else the seeded ones. */
export function engagementBook(seed: string = DEFAULT_METRICS_SEED) {
  const pinned = new Map<string, Partial<Engagement>>();
  return {
    seed,
    set(postId: string, values: Partial<Engagement>) {
      pinned.set(postId, values);
    },
    of(postId: string): Engagement {
      return { ...syntheticEngagement(seed, postId), ...pinned.get(postId) };
    },
  };
}

/**
 * A Graph `/{media-id}/insights?metric=a,b` answer (Instagram, Threads): `{data: [{name, period, values:
 * [{value}], title, description, id}]}`; a metric the network does not offer is error (#100).
 */
export function insightsReply(mediaId: string, requested: unknown, offered: Record<string, number>, type = 'OAuthException'): Reply {
  const names =
    typeof requested === 'string'
      ? requested
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : [];
  if (names.length === 0) return graphError({ code: 100, type, message: '(#100) The parameter metric is required' });
  const unknown = names.find((n) => !(n in offered));
  if (unknown)
    return graphError({
      code: 100,
      type,
      message: `(#100) metric[${names.indexOf(unknown)}] must be one of the following values: ${Object.keys(offered).join(', ')}`,
    });
  const data = names.map((name) => ({
    name,
    period: 'lifetime',
    values: [{ value: offered[name] }],
    title: name[0]!.toUpperCase() + name.slice(1),
    description: `Lifetime ${name}.`,
    id: `${mediaId}/insights/${name}/lifetime`,
  }));
  return { status: 200, body: { data } };
}
