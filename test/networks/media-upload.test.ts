import { describe, expect, it } from 'vitest';
import { NetworkError, type MediaItem } from '../../src/networks/adapter.ts';
import { multipartBody, namingFile, openMedia } from '../../src/networks/http.ts';
import { pngOf } from '../helpers/images.ts';

/** Collects an async body, as a server reading the request would. */
async function collect(body: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of body) parts.push(Buffer.from(part));
  return Buffer.concat(parts);
}

function stored(bytes: Buffer, filename: string, failAfter?: number): MediaItem {
  return {
    url: '',
    alt: 'Zwei Menschen vor dem "Büro"\nzweite Zeile',
    stored: {
      id: '0b6f0c4e-8a39-4c1e-9f55-2d1f1f4a6a01',
      filename,
      contentType: 'image/png',
      bytes: bytes.length,
      width: 30,
      height: 20,
      animated: false,
      async *read() {
        for (let i = 0; i < bytes.length; i += 1000) {
          if (failAfter !== undefined && i >= failAfter) throw new Error('media 0b6f… is missing bytes in chunk 1');
          yield bytes.subarray(i, i + 1000);
        }
      },
    },
  };
}

describe('uploading a stored file', () => {
  it('streams a multipart body of the exact announced length that a standard parser reads back: fields, name and bytes', async () => {
    const png = await pngOf(30, 20);
    const item = stored(png, 'Büro "neu".png');
    const file = await openMedia({ network: 'mastodon', timeoutMs: 1000 }, item, new AbortController().signal, 1e9);
    const form = multipartBody({ description: item.alt, skipped: undefined }, 'file', file);
    const body = await collect(form.body);
    expect(body.length).toBe(form.length);
    const parsed = await new Request('http://parser/', { method: 'POST', headers: { 'content-type': form.contentType }, body }).formData();
    expect(parsed.get('description')).toBe(item.alt);
    expect(parsed.has('skipped')).toBe(false);
    const part = parsed.get('file') as File;
    expect(part.type).toBe('image/png');
    expect(part.name).toBe('Büro "neu".png');
    expect(Buffer.from(await part.arrayBuffer()).equals(png)).toBe(true);
  });

  it('a store read failing midway is a transient error naming the file', async () => {
    const png = await pngOf(30, 20);
    const file = await openMedia({ network: 'x', timeoutMs: 1000 }, stored(png, 'launch.png', 1000), new AbortController().signal, 1e9);
    const error = await collect(file.open()).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(NetworkError);
    expect(error).toMatchObject({ errorClass: 'transient', networkCode: 'media_store_read' });
    expect((error as Error).message).toContain('launch.png');
  });

  it("namingFile turns a network's permanent refusal into words naming the network and the file; other classes pass as they are", async () => {
    const refusal = new NetworkError({ network: 'mastodon', errorClass: 'permanent', status: 422, message: 'x', networkMessage: 'File is too big' });
    await expect(namingFile('mastodon', 'poster.png', () => Promise.reject(refusal))).rejects.toMatchObject({
      errorClass: 'permanent',
      status: 422,
      networkMessage: 'Mastodon did not take poster.png: File is too big',
    });
    const busy = new NetworkError({ network: 'mastodon', errorClass: 'transient', message: 'HTTP 503' });
    await expect(namingFile('mastodon', 'poster.png', () => Promise.reject(busy))).rejects.toBe(busy);
  });
});
