import { describe, expect, it } from 'vitest';
import type { Post } from '../../src/db/schema.ts';
import { buildCardView } from '../../src/workflow/card/card-view.ts';

/** The card shows a video as its poster frame with its length (issue 15); an image as itself. */
describe('the card with a video', () => {
  it('shows a video by its poster frame, with the length said as a person reads it', () => {
    const post = {
      id: 'p1',
      state: 'in_review',
      content_hash: 'h',
      author_id: 'U1',
      note: null,
      publish_at: new Date('2026-12-07T10:00:00Z'),
      zone: 'UTC',
      text: 'Launch day',
    } as unknown as Post;
    const card = buildCardView({
      post,
      content: {
        targets: [{ accountId: 'a', network: 'instagram', displayName: 'brand', status: 'connected', maxCharacters: null }],
        variants: {},
        media: [],
        instagramKind: 'reels',
      },
      decisions: [],
      deliveries: [],
      approvalsRequired: 1,
      imageUrl: (id) => `https://greenlight.example.com/card-image/${id}`,
      files: [
        {
          id: 'v1',
          filename: 'launch.mp4',
          alt: 'Our launch',
          state: 'ready',
          width: 1080,
          height: 1920,
          video: { durationMs: 134_000 },
          posterId: 'v1-poster',
        },
        { id: 'i1', filename: 'team.png', alt: null, state: 'ready', width: 600, height: 400 },
      ],
    });
    expect(card.files).toEqual([
      {
        mediaId: 'v1',
        filename: 'launch.mp4',
        alt: 'Our launch',
        state: 'ready',
        width: 1080,
        height: 1920,
        durationMs: 134_000,
        duration: '2 min 14 s',
        posterMediaId: 'v1-poster',
        url: 'https://greenlight.example.com/card-image/v1-poster',
      },
      {
        mediaId: 'i1',
        filename: 'team.png',
        alt: null,
        state: 'ready',
        width: 600,
        height: 400,
        durationMs: null,
        duration: null,
        posterMediaId: null,
        url: 'https://greenlight.example.com/card-image/i1',
      },
    ]);
  });
});
