import { FormData, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createXAdapter } from '../../src/networks/x.ts';
import { startXEmulator, type XEmulator } from '../../emulators/x.ts';
import { specValidatorFor } from '../helpers/spec-validator.ts';
import { specPath } from '../helpers/specs.ts';

/** Checks what the adapter sends and what the emulator answers against the official X API v2 OpenAPI spec. */

const x = specValidatorFor(specPath('x-api-v2.openapi.json'));
const validate = (schema: Record<string, unknown>, value: unknown) => x.validate(schema, value);
const createRequestSchema = x.operationSchema('/2/tweets', 'post');
const created201Schema = x.operationSchema('/2/tweets', 'post', '201');
const userPostsSchema = x.operationSchema('/2/users/{id}/tweets', 'get', '200');
const mediaUploadSchema = x.operationSchema('/2/media/upload', 'post', '200');
const metadataRequestSchema = x.operationSchema('/2/media/metadata', 'post');

let emu: XEmulator;
beforeAll(async () => {
  emu = await startXEmulator();
});
afterAll(async () => {
  await emu.stop();
});

describe('the validator (Ajv, test/helpers/spec-validator.ts) on this spec', () => {
  it('rejects unknown properties, wrong types and missing required fields', () => {
    expect(validate(createRequestSchema, { text: 'ok', bogus: 1 })).toEqual(['/: must NOT have additional properties (bogus)']);
    expect(validate(createRequestSchema, { text: 5 })).toEqual(['/text: must be string']);
    expect(validate(createRequestSchema, { reply: {} })).toEqual(["/reply: must have required property 'in_reply_to_tweet_id'"]);
    expect(validate(createRequestSchema, { media: { media_ids: ['abc'] } })).toHaveLength(1);
    expect(validate(createRequestSchema, { text: 'ok', reply: { in_reply_to_tweet_id: '123' } })).toEqual([]);
    expect(validate(created201Schema, { data: { id: 'abc' } })).toEqual([
      "/data: must have required property 'text'",
      '/data/id: must match pattern "^[0-9]{1,19}$"',
    ]);
  });
});

describe('X adapter and emulator against x-api-v2.openapi.json', () => {
  it('every POST /2/tweets body the adapter sends (text, reply, media) matches CreatePostsRequest', async () => {
    const t = emu.issueToken();
    const adapter = createXAdapter({ baseUrl: emu.url });
    await adapter.publish(
      {
        deliveryId: 'd-spec',
        parts: ['spec part one', 'spec part two'],
        media: [{ url: emu.imageUrl, alt: 'dot' }],
        publishedParts: [],
        onPartPublished: async () => {},
        signal: new AbortController().signal,
      },
      { accessToken: t.accessToken, accountId: t.userId },
    );
    const bodies = emu.requests.filter((r) => r.method === 'POST' && r.path === '/2/tweets').map((r) => r.body);
    expect(bodies).toHaveLength(2);
    expect(bodies[0]).toHaveProperty('media.media_ids');
    expect(bodies[1]).toHaveProperty('reply.in_reply_to_tweet_id');
    for (const body of bodies) expect(validate(createRequestSchema, body)).toEqual([]);
    const metadata = emu.requests.find((r) => r.path === '/2/media/metadata')!.body;
    expect(validate(metadataRequestSchema, metadata)).toEqual([]);
  });

  it('the emulator answers 201 with a body matching CreatePostsResponse, and its other answers match too', async () => {
    const t = emu.issueToken();
    const auth = { authorization: `Bearer ${t.accessToken}` };
    const created = await request(`${emu.url}/2/tweets`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'validate me' }),
    });
    expect(created.statusCode).toBe(201);
    expect(created.headers['x-rate-limit-remaining']).toBeDefined();
    const createdBody = await created.body.json();
    expect(validate(created201Schema, createdBody)).toEqual([]);
    expect(createdBody).toHaveProperty('data.id');

    const listed = await request(`${emu.url}/2/users/${t.userId}/tweets?max_results=5&tweet.fields=created_at`, { headers: auth });
    expect(validate(userPostsSchema, await listed.body.json())).toEqual([]);

    const form = new FormData();
    form.append('media', new Blob([new Uint8Array(await (await request(emu.imageUrl)).body.arrayBuffer())], { type: 'image/png' }), 'x.png');
    form.append('media_category', 'tweet_image');
    const uploaded = await request(`${emu.url}/2/media/upload`, { method: 'POST', headers: auth, body: form });
    expect(uploaded.statusCode).toBe(200);
    expect(validate(mediaUploadSchema, await uploaded.body.json())).toEqual([]);
  });
});
