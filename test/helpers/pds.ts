import { createHmac, generateKeyPairSync, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import { PDS } from '@atproto/pds';

/**
 * The real Bluesky PDS (`@atproto/pds` from npm), in this process, for tests: SQLite files in a temp
 * directory, dev mode, no invite codes, no app view, no crawlers, and a tiny PLC directory on 127.0.0.1
 * (the PDS registers every new account's DID there, and resolves DIDs from it). Nothing leaves loopback.
 */

export interface TestAccount {
  did: string;
  handle: string;
  /** The account's login password (createAccount) and an app password (what a user gives Greenlight). */
  password: string;
  appPassword: string;
  /** A session made with the app password, as Greenlight gets it when an account is connected. */
  accessJwt: string;
  refreshJwt: string;
}

export interface TestPds {
  /** http://127.0.0.1:<port>: what the adapter is given as the account's instanceUrl. */
  url: string;
  pds: PDS;
  plc: MiniPlc;
  /** The PDS's service DID: the audience of its JWTs. */
  serviceDid: string;
  /** Every password, app password and session JWT the PDS handed out, to anyone (tests scan logs for them). */
  issued: string[];
  createAccount(name: string): Promise<TestAccount>;
  /** A session JWT signed with the PDS's own secret but already expired (the PDS answers ExpiredToken). */
  expiredAccessJwt(did: string): string;
  /** Calls an XRPC method with a bearer token; returns the status and the JSON body. */
  xrpc(
    method: 'GET' | 'POST',
    nsid: string,
    opts?: { token?: string; params?: Record<string, string>; body?: unknown },
  ): Promise<{ status: number; headers: Headers; json: Record<string, unknown> }>;
  stop(): Promise<void>;
}

export interface StartPdsOptions {
  /** Turn on the PDS's own rate limits (createSession 30 per 5 minutes per account, repo write points...). */
  rateLimits?: boolean;
}

/**
 * The PDS pads a login to a fixed duration with `setTimeout(rest)`, and on a loaded machine the rest is
 * already below zero: Node then warns TimeoutNegativeWarning on stderr (the demo's test requires an empty
 * stderr). That one warning, from the PDS's own code, is dropped; every other warning prints as before.
 */
function quietPdsTimerWarnings(): void {
  if (process.listeners('warning').some((l) => l.name === 'printWarningExceptPdsTimers')) return;
  const defaults = process.listeners('warning');
  process.removeAllListeners('warning');
  process.on('warning', function printWarningExceptPdsTimers(warning: Error) {
    if (warning.name === 'TimeoutNegativeWarning' && warning.stack?.includes('@atproto/')) return;
    for (const listener of defaults) listener(warning);
  });
}

export async function startPds(options: StartPdsOptions = {}): Promise<TestPds> {
  quietPdsTimerWarnings();
  const dir = await mkdtemp(join(tmpdir(), 'greenlight-pds-'));
  const plc = await startMiniPlc();
  const port = await freePort();
  const jwtSecret = randomBytes(32).toString('hex');
  const pds = await PDS.fromEnv({
    devMode: true,
    hostname: 'localhost',
    port,
    dataDirectory: dir,
    blobstoreDiskLocation: join(dir, 'blobs'),
    didPlcUrl: plc.url,
    jwtSecret,
    adminPassword: randomBytes(16).toString('hex'),
    plcRotationKeyK256PrivateKeyHex: secp256k1PrivateKeyHex(),
    serviceHandleDomains: ['.test'],
    inviteRequired: false,
    rateLimitsEnabled: options.rateLimits ?? false,
    disableSsrfProtection: true,
    crawlers: [],
  });
  // PDS#start() listens on every interface; this does the same two steps bound to loopback only.
  await pds.ctx.sequencer.start();
  const issued: string[] = [];
  const server = createServer((req, res) => {
    if (ISSUING.test(req.url ?? '')) recordIssued(res, issued);
    void pds.app(req, res);
  });
  server.keepAliveTimeout = 5_000;
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${port}`;
  const serviceDid = pds.ctx.cfg.service.did;

  const xrpc: TestPds['xrpc'] = async (method, nsid, opts = {}) => {
    const target = new URL(`/xrpc/${nsid}`, url);
    for (const [key, value] of Object.entries(opts.params ?? {})) target.searchParams.set(key, value);
    const headers: Record<string, string> = {};
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(target, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
    const text = await res.text();
    return { status: res.status, headers: res.headers, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };

  const must = async (nsid: string, opts: Parameters<TestPds['xrpc']>[2]) => {
    const res = await xrpc('POST', nsid, opts);
    if (res.status !== 200) throw new Error(`${nsid}: HTTP ${res.status} ${JSON.stringify(res.json)}`);
    return res.json;
  };

  return {
    url,
    pds,
    plc,
    serviceDid,
    issued,
    async createAccount(name) {
      const handle = `${name}.test`;
      const password = randomBytes(12).toString('hex');
      issued.push(password);
      const created = await must('com.atproto.server.createAccount', { body: { handle, email: `${name}@example.test`, password } });
      const did = created.did as string;
      const app = await must('com.atproto.server.createAppPassword', { token: created.accessJwt as string, body: { name: 'Greenlight' } });
      const appPassword = app.password as string;
      const session = await must('com.atproto.server.createSession', { body: { identifier: handle, password: appPassword } });
      return { did, handle, password, appPassword, accessJwt: session.accessJwt as string, refreshJwt: session.refreshJwt as string };
    },
    expiredAccessJwt(did) {
      const now = Math.floor(Date.now() / 1000);
      return signHs256(jwtSecret, { typ: 'at+jwt', alg: 'HS256' }, { scope: 'com.atproto.appPass', aud: serviceDid, sub: did, iat: now - 7200, exp: now - 60 });
    },
    xrpc,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await pds.ctx.destroy();
      await plc.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The XRPC methods whose answers carry secrets: sessions (accessJwt, refreshJwt) and app passwords. */
const ISSUING = /^\/xrpc\/com\.atproto\.server\.(createAccount|createSession|refreshSession|createAppPassword)(\?|$)/;

/** Reads the answer as it is written (after the PDS's own compression) and keeps every secret in it. */
function recordIssued(res: ServerResponse, issued: string[]): void {
  const chunks: Buffer[] = [];
  const keep = (chunk: unknown) => {
    if (typeof chunk === 'string' || chunk instanceof Uint8Array) chunks.push(Buffer.from(chunk));
  };
  const write = res.write.bind(res) as (...args: unknown[]) => boolean;
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  res.write = ((chunk: unknown, ...rest: unknown[]) => {
    keep(chunk);
    return write(chunk, ...rest);
  }) as typeof res.write;
  res.end = ((chunk?: unknown, ...rest: unknown[]) => {
    keep(chunk);
    try {
      const body = JSON.parse(decode(Buffer.concat(chunks), String(res.getHeader('content-encoding') ?? '')).toString('utf8')) as Record<string, unknown>;
      for (const key of ['accessJwt', 'refreshJwt', 'password']) if (typeof body[key] === 'string') issued.push(body[key] as string);
    } catch {
      // Not JSON (an error page): nothing was issued.
    }
    return end(chunk, ...rest);
  }) as typeof res.end;
}

function decode(body: Buffer, encoding: string): Buffer {
  if (encoding === 'gzip') return gunzipSync(body);
  if (encoding === 'br') return brotliDecompressSync(body);
  if (encoding === 'deflate') return inflateSync(body);
  return body;
}

function signHs256(secret: string, header: object, payload: object): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const signingInput = `${encode(header)}.${encode(payload)}`;
  // The PDS turns its JWT secret into an HMAC key from the secret's UTF-8 bytes (createSecretKeyObject).
  return `${signingInput}.${createHmac('sha256', secret).update(signingInput).digest('base64url')}`;
}

/** The PDS signs PLC operations with a secp256k1 rotation key given as 32 bytes of hex. */
function secp256k1PrivateKeyHex(): string {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'secp256k1' });
  const d = privateKey.export({ format: 'jwk' }).d;
  if (!d) throw new Error('no private scalar in the generated key');
  return Buffer.from(d, 'base64url').toString('hex').padStart(64, '0');
}

async function freePort(): Promise<number> {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/**
 * A PLC directory in memory, enough for one PDS: it stores the signed operations the PDS posts
 * (`POST /<did>`) without checking signatures, and serves the DID document, its data and the last
 * operation (`GET /<did>`, `/<did>/data`, `/<did>/log/last`) as plc.directory does.
 */
export interface MiniPlc {
  url: string;
  operations: Map<string, Record<string, unknown>[]>;
  stop(): Promise<void>;
}

async function startMiniPlc(): Promise<MiniPlc> {
  const operations = new Map<string, Record<string, unknown>[]>();
  const server: Server = createServer((req, res) => {
    handlePlc(operations, req, res).catch((err: unknown) => send(res, 500, { message: String(err) }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    operations,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function handlePlc(ops: Map<string, Record<string, unknown>[]>, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const [rawDid, ...rest] = (req.url ?? '/').split('?')[0]!.slice(1).split('/');
  const did = decodeURIComponent(rawDid ?? '');
  const tail = rest.join('/');
  if (req.method === 'GET' && did === '_health') return send(res, 200, { version: 'mini' });
  if (req.method === 'POST' && tail === '') {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const op = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
    ops.set(did, [...(ops.get(did) ?? []), op]);
    return send(res, 200, {});
  }
  const last = ops.get(did)?.at(-1);
  if (req.method !== 'GET' || !last) return send(res, 404, { message: `DID not registered: ${did}` });
  if (last.type === 'plc_tombstone') return send(res, 410, { message: `DID not available: ${did}` });
  if (tail === 'log/last') return send(res, 200, last);
  const data = {
    did,
    verificationMethods: last.verificationMethods ?? {},
    rotationKeys: last.rotationKeys ?? [],
    alsoKnownAs: last.alsoKnownAs ?? [],
    services: last.services ?? {},
  };
  if (tail === 'data') return send(res, 200, data);
  if (tail === 'log') return send(res, 200, ops.get(did));
  if (tail !== '') return send(res, 404, { message: 'not found' });
  const methods = Object.entries(data.verificationMethods as Record<string, string>);
  const services = Object.entries(data.services as Record<string, { type: string; endpoint: string }>);
  return send(res, 200, {
    '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
    id: did,
    alsoKnownAs: data.alsoKnownAs,
    verificationMethod: methods.map(([id, key]) => ({
      id: `${did}#${id}`,
      type: 'Multikey',
      controller: did,
      publicKeyMultibase: key.replace(/^did:key:/, ''),
    })),
    service: services.map(([id, service]) => ({ id: `#${id}`, type: service.type, serviceEndpoint: service.endpoint })),
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
