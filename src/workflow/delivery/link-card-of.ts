import { type MediaAt, readMedia } from '../../db/media-store.ts';
import type { DeliveryLinkPreview } from '../../db/delivery-context.ts';
import type { LinkCard } from '../../networks/adapter.ts';

/** The stored link card as the adapters take it: the image is read from the media store only when an adapter asks. */
export function linkCardOf(at: MediaAt, preview: DeliveryLinkPreview | null | undefined): LinkCard | null | undefined {
  if (!preview) return undefined;
  if (preview.status === 'disabled') return null;
  const image = preview.image;
  return {
    url: preview.url,
    title: preview.title,
    description: preview.description,
    ...(image
      ? {
          image: {
            contentType: image.contentType,
            bytes: Number(image.bytes),
            read: async () => {
              const chunks: Buffer[] = [];
              for await (const chunk of readMedia(at, { id: image.id, bytes: Number(image.bytes) })) chunks.push(chunk);
              return Buffer.concat(chunks);
            },
          },
        }
      : {}),
  };
}
