import { readFileSync } from 'node:fs';
import { Ajv, type AnySchema, type ErrorObject, type Options } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

/**
 * One validator for every official schema the tests check against, on Ajv (a maintained JSON Schema
 * implementation; 2020-12 for OpenAPI 3.1, draft-07 for OpenAPI 3.0, Swagger 2.0 and plain schemas):
 * the X, Discord and Slack Web API OpenAPI specs (test/helpers/specs.ts finds them) and the published
 * app-manifest schemas in test/fixtures/specs/.
 *
 * A spec is loaded whole under an id, so `validate('#/components/schemas/Message', value)` resolves
 * every $ref inside it the way the spec means. Errors come back as `<json pointer>: <message>` lines.
 */
export interface SpecValidator {
  /** Validates against the schema at this JSON pointer of the spec (`#/components/schemas/X`), or a schema given inline. */
  validate(schema: string | Record<string, unknown>, value: unknown): string[];
  /** The JSON schema of an operation's request body or response, by path, method and status. */
  operationSchema(path: string, method: string, status?: string): Record<string, unknown>;
}

type Json = Record<string, unknown>;

/** OpenAPI's own keywords and vendor extensions are annotations, not validation: Ajv is told so. */
const ANNOTATIONS = ['example', 'xml', 'externalDocs', 'x-discord-union', 'x-nullable'];

function makeAjv(dialect: '2020-12' | 'draft-07'): Ajv {
  const options: Options = { strict: false, allErrors: true, validateFormats: true, keywords: ANNOTATIONS };
  const ajv = dialect === '2020-12' ? new Ajv2020(options) : new Ajv(options);
  addFormats.default(ajv);
  // Formats OpenAPI names that JSON Schema leaves open: checked as their ranges say.
  ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 });
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) });
  for (const open of ['snowflake', 'float', 'double', 'binary', 'byte', 'password']) ajv.addFormat(open, true);
  return ajv;
}

const text = (e: ErrorObject): string => {
  const detail =
    e.keyword === 'additionalProperties'
      ? ` (${(e.params as { additionalProperty: string }).additionalProperty})`
      : e.keyword === 'enum'
        ? ` (${JSON.stringify((e.params as { allowedValues: unknown[] }).allowedValues)})`
        : '';
  return `${e.instancePath || '/'}: ${e.message}${detail}`;
};

/**
 * `spec`: an OpenAPI document (3.1 is read as JSON Schema 2020-12, 3.0 and Swagger 2.0 as draft-07)
 * or a JSON Schema. `patches`: JSON pointers replaced before loading (a documented erratum of the spec).
 */
export function specValidator(spec: Json, patches: Record<string, Json> = {}): SpecValidator {
  const doc = structuredClone(spec);
  for (const [pointer, schema] of Object.entries(patches)) {
    // RFC 6901: `~1` is a slash inside a key (an OpenAPI path such as `/chat.update`), `~0` a tilde.
    const parts = pointer
      .replace(/^#\//, '')
      .split('/')
      .map((key) => key.replaceAll('~1', '/').replaceAll('~0', '~'));
    const parent = parts.slice(0, -1).reduce<Json>((node, key) => node[key] as Json, doc);
    parent[parts.at(-1)!] = schema;
  }
  const openapi = typeof doc.openapi === 'string' ? doc.openapi : undefined;
  const dialect = openapi?.startsWith('3.1') || doc.$schema === 'https://json-schema.org/draft/2020-12/schema' ? '2020-12' : 'draft-07';
  const ajv = makeAjv(dialect);
  const id = 'spec:';
  const { $schema: _ignored, ...body } = doc;
  ajv.addSchema({ ...body, $id: id } as AnySchema);
  const compiled = new Map<string, ReturnType<Ajv['compile']>>();
  const pointerTo = (schema: Json): string => {
    // An inline schema from the spec keeps its $refs pointing into the spec.
    const key = JSON.stringify(schema);
    if (!compiled.has(key)) compiled.set(key, ajv.compile({ $id: `inline:${compiled.size}`, ...rebase(schema, id) } as AnySchema));
    return key;
  };
  return {
    validate(schema, value) {
      const key = typeof schema === 'string' ? schema : pointerTo(schema);
      if (typeof schema === 'string' && !compiled.has(key)) {
        const check = ajv.getSchema(`${id}${schema}`);
        if (!check) throw new Error(`${schema} is not in the spec`);
        compiled.set(key, check);
      }
      const check = compiled.get(key)!;
      return check(value) ? [] : (check.errors ?? []).map(text);
    },
    operationSchema(path, method, status) {
      const operation = ((doc.paths as Json)[path] as Json | undefined)?.[method] as Json | undefined;
      if (!operation) throw new Error(`${method.toUpperCase()} ${path} is not in the spec`);
      let part = status === undefined ? (operation.requestBody as Json | undefined) : ((operation.responses as Json)[status] as Json | undefined);
      if (part && typeof part.$ref === 'string') part = resolve(doc, part.$ref);
      const schema = ((part?.content as Json | undefined)?.['application/json'] as Json | undefined)?.schema as Json | undefined;
      if (!schema) throw new Error(`${method.toUpperCase()} ${path} ${status ?? 'request'} has no JSON body in the spec`);
      return schema;
    },
  };
}

/** Loads a spec or schema file and validates against it. */
export function specValidatorFor(file: string, patches?: Record<string, Json>): SpecValidator {
  return specValidator(JSON.parse(readFileSync(file, 'utf8')) as Json, patches);
}

function resolve(doc: Json, ref: string): Json {
  return ref
    .replace(/^#\//, '')
    .split('/')
    .reduce<Json>((node, key) => node[key] as Json, doc);
}

/** `#/...` refs inside an inline schema point into the spec loaded under `id`. */
function rebase(schema: unknown, id: string): Json {
  return JSON.parse(JSON.stringify(schema), (key, value) =>
    key === '$ref' && typeof value === 'string' && value.startsWith('#/') ? `${id}${value}` : value,
  ) as Json;
}
