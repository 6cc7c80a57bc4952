import { expect } from 'vitest';
import { NetworkError, type PublishRequest, type PublishedPart } from '../../src/networks/adapter.ts';

/**
 * The network adapter tests' one harness: a publish request that records the parts reported, the
 * NetworkError a call fails with, and whether an error leaks a secret anywhere it is shown.
 */
export function publishRequest(parts: string[], extra: Partial<PublishRequest> = {}) {
  const reported: PublishedPart[] = [];
  const req: PublishRequest = {
    deliveryId: 'delivery-1',
    parts,
    media: [],
    publishedParts: [],
    onPartPublished: async (part) => {
      reported.push(part);
    },
    signal: new AbortController().signal,
    ...extra,
  };
  return { req, reported };
}

export async function failure(promise: Promise<unknown>): Promise<NetworkError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(NetworkError);
  return error as NetworkError;
}

export function mentions(error: NetworkError, secret: string): boolean {
  return [error.message, error.networkCode, error.networkMessage, error.requestId, String(error.cause ?? '')].some((s) => s?.includes(secret));
}
