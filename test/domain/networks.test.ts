import { describe, expect, it } from 'vitest';
import { DomainError, IllegalTransitionError } from '../../src/domain/errors.ts';
import { NETWORKS, NETWORK_LABELS, THREADED_NETWORKS, isNetwork, isThreadedNetwork } from '../../src/domain/networks.ts';
import { NETWORK_RULES } from '../../src/domain/text-rules.ts';

describe('networks', () => {
  it('labels every network', () => {
    expect(NETWORKS.map((n) => NETWORK_LABELS[n])).toEqual(['X', 'LinkedIn', 'Bluesky', 'Mastodon', 'Facebook', 'Instagram', 'Threads', 'Webhook']);
  });

  it('agrees with the text rules on which networks take threads', () => {
    expect([...THREADED_NETWORKS].sort()).toEqual(NETWORKS.filter((n) => NETWORK_RULES[n].threads).sort());
    expect(isThreadedNetwork('x')).toBe(true);
    expect(isThreadedNetwork('linkedin')).toBe(false);
  });

  it('recognises network names', () => {
    expect(isNetwork('bluesky')).toBe(true);
    expect(isNetwork('myspace')).toBe(false);
  });
});

describe('errors', () => {
  it('carry a stable code and the transition', () => {
    const error = new IllegalTransitionError('post', 'publishing', 'canceled');
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ code: 'illegal_transition', entity: 'post', from: 'publishing', to: 'canceled' });
    expect(error.message).toBe('A post cannot go from publishing to canceled.');
  });
});
