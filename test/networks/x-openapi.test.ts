import { readFileSync } from 'node:fs';
import { FormData, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createXAdapter } from '../../src/networks/x.ts';
import { startXEmulator, type XEmulator } from '../../emulators/x.ts';
import { specPath } from '../helpers/specs.ts';

/** Checks what the adapter sends and what the emulator answers against the official X API v2 OpenAPI spec. */

type Schema = Record<string, unknown>;
const spec = JSON.parse(readFileSync(specPath('x-api-v2.openapi.json'), 'utf8')) as Schema;

function deref(schema: Schema): Schema {
  let s = schema;
  while (typeof s.$ref === 'string') {
    s = s.$ref.slice(2).split('/').reduce<Schema>((node, key) => node[key] as Schema, spec);
  }
  return s;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A small JSON Schema (OpenAPI 3.0 subset) validator: $ref, oneOf/anyOf/allOf, types, required, additionalProperties, enum, pattern, bounds. */
function validate(schema: Schema, value: unknown, path = '$'): string[] {
  const s = deref(schema);
  const sub = (list: unknown) => (list as Schema[]).map((x) => validate(x, value, path));
  if (s.allOf) return sub(s.allOf).flat();
  if (s.anyOf && !sub(s.anyOf).some((e) => e.length === 0)) return [`${path}: matches none of anyOf`];
  if (s.oneOf && sub(s.oneOf).filter((e) => e.length === 0).length !== 1) return [`${path}: does not match exactly one of oneOf`];
  if (Array.isArray(s.enum) && !s.enum.includes(value)) return [`${path}: ${JSON.stringify(value)} not in enum`];
  switch (s.type) {
    case 'object':
      return isObject(value) ? validateObject(s, value, path) : [`${path}: expected object`];
    case 'array': {
      if (!Array.isArray(value)) return [`${path}: expected array`];
      const errors = value.flatMap((item, i) => (s.items ? validate(s.items as Schema, item, `${path}[${i}]`) : []));
      if (typeof s.minItems === 'number' && value.length < s.minItems) errors.push(`${path}: fewer than ${s.minItems} items`);
      if (typeof s.maxItems === 'number' && value.length > s.maxItems) errors.push(`${path}: more than ${s.maxItems} items`);
      return errors;
    }
    case 'string': {
      if (typeof value !== 'string') return [`${path}: expected string`];
      if (typeof s.pattern === 'string' && !new RegExp(s.pattern).test(value)) return [`${path}: does not match ${s.pattern}`];
      if (typeof s.maxLength === 'number' && value.length > s.maxLength) return [`${path}: longer than ${s.maxLength}`];
      if (s.format === 'date-time' && Number.isNaN(Date.parse(value))) return [`${path}: not a date-time`];
      return [];
    }
    case 'integer':
      return Number.isInteger(value) ? [] : [`${path}: expected integer`];
    case 'number':
      return typeof value === 'number' ? [] : [`${path}: expected number`];
    case 'boolean':
      return typeof value === 'boolean' ? [] : [`${path}: expected boolean`];
    default:
      return [];
  }
}

function validateObject(s: Schema, value: Record<string, unknown>, path: string): string[] {
  const props = (s.properties ?? {}) as Record<string, Schema>;
  const errors = ((s.required ?? []) as string[]).filter((k) => !(k in value)).map((k) => `${path}.${k}: required`);
  for (const [key, v] of Object.entries(value)) {
    if (props[key]) errors.push(...validate(props[key], v, `${path}.${key}`));
    else if (s.additionalProperties === false) errors.push(`${path}.${key}: not allowed`);
    else if (isObject(s.additionalProperties)) errors.push(...validate(s.additionalProperties, v, `${path}.${key}`));
  }
  return errors;
}

const paths = spec.paths as Record<string, Record<string, Schema>>;
const jsonSchema = (content: unknown) => (content as Record<string, { schema: Schema }>)['application/json']!.schema;
const createRequestSchema = jsonSchema((paths['/2/tweets']!.post!.requestBody as Schema).content);
const created201Schema = jsonSchema(((paths['/2/tweets']!.post!.responses as Schema)['201'] as Schema).content);
const userPostsSchema = jsonSchema(((paths['/2/users/{id}/tweets']!.get!.responses as Schema)['200'] as Schema).content);
const mediaUploadSchema = jsonSchema(((paths['/2/media/upload']!.post!.responses as Schema)['200'] as Schema).content);
const metadataRequestSchema = jsonSchema((paths['/2/media/metadata']!.post!.requestBody as Schema).content);

let emu: XEmulator;
beforeAll(async () => {
  emu = await startXEmulator();
});
afterAll(async () => {
  await emu.stop();
});

describe('the validator itself', () => {
  it('rejects unknown properties, wrong types and missing required fields', () => {
    expect(validate(createRequestSchema, { text: 'ok', bogus: 1 })).toEqual(['$.bogus: not allowed']);
    expect(validate(createRequestSchema, { text: 5 })).toEqual(['$.text: expected string']);
    expect(validate(createRequestSchema, { reply: {} })).toEqual(['$.reply.in_reply_to_tweet_id: required']);
    expect(validate(createRequestSchema, { media: { media_ids: ['abc'] } })).toHaveLength(1);
    expect(validate(createRequestSchema, { text: 'ok', reply: { in_reply_to_tweet_id: '123' } })).toEqual([]);
    expect(validate(created201Schema, { data: { id: 'abc' } })).toEqual(['$.data.text: required', '$.data.id: does not match ^[0-9]{1,19}$']);
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
