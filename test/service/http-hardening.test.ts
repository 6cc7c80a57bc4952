import { connect, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGreenlight, type Greenlight } from '../../src/service/start-service.ts';
import { loadConfig } from '../../src/config/load.ts';
import { greenlightCore } from '../../src/service/wire-greenlight.ts';
import { createLogger } from '../../src/log.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

/** The HTTP server's own defences (issue 12): a metrics token, timeouts for slow clients, quiet logs for dropped ones. */
const METRICS_TOKEN = 'metrics-token-0123456789abcdef';
let testDb: TestDatabase;
let app: Greenlight;
const logged: { level: number; msg?: string; err?: unknown; code?: string }[] = [];

beforeAll(async () => {
  testDb = await createTestDatabase();
  const log = createLogger(
    { level: 'debug' },
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) logged.push(JSON.parse(line) as (typeof logged)[number]);
        done();
      },
    }),
  );
  const config = loadConfig({
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    DATABASE_URL: testDb.url,
    GREENLIGHT_DATA_DIR: '.greenlight/test-data',
    STATE_SECRET: 's'.repeat(40),
    METRICS_TOKEN,
  });
  app = await startGreenlight({ config, log, extensions: [greenlightCore(config, { workers: false })] });
});
afterAll(async () => {
  await app?.stop();
  await testDb?.drop();
});

const port = () => Number(new URL(app.url).port);

/** A raw connection that sends `head` and then one byte every `everyMs`; resolves when the server closes it. */
function trickle(head: string, everyMs: number): Promise<{ answer: string; afterMs: number }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket: Socket = connect(port(), '127.0.0.1');
    let answer = '';
    socket.on('data', (d) => (answer += d.toString()));
    socket.write(head);
    const timer = setInterval(() => socket.writable && socket.write('a'), everyMs);
    const done = () => {
      clearInterval(timer);
      resolve({ answer, afterMs: Date.now() - started });
    };
    socket.on('close', done);
    socket.on('error', () => {});
  });
}

describe('the HTTP server', () => {
  it('/metrics needs the bearer token when METRICS_TOKEN is set', async () => {
    expect((await fetch(`${app.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${app.url}/metrics`, { headers: { authorization: 'Bearer wrong-token-0123456789abcdef' } })).status).toBe(401);
    const res = await fetch(`${app.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('greenlight_');
    expect(() => loadConfig({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN: expected at least 16 characters/);
  });

  it('closes a connection that trickles its headers or its body one byte at a time', async () => {
    const [headers, body] = await Promise.all([
      trickle('GET /healthz HTTP/1.1\r\nhost: x\r\nx-slow: ', 400),
      trickle('POST /connect/mastodon HTTP/1.1\r\nhost: x\r\ncontent-type: application/x-www-form-urlencoded\r\ncontent-length: 5000\r\n\r\nt=', 400),
    ]);
    expect(headers.afterMs).toBeLessThan(8_000);
    expect(headers.answer).toMatch(/^HTTP\/1.1 408/);
    expect(body.afterMs).toBeLessThan(13_000);
  }, 30_000);

  it('logs a client that went away mid-body at debug level, without a stack', async () => {
    const before = logged.length;
    await new Promise<void>((resolve) => {
      const socket = connect(port(), '127.0.0.1', () => {
        socket.write('POST /connect/mastodon HTTP/1.1\r\nhost: x\r\ncontent-type: application/x-www-form-urlencoded\r\ncontent-length: 5000\r\n\r\nt=abc');
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, 200);
      });
    });
    const line = await new Promise<(typeof logged)[number]>((resolve, reject) => {
      const deadline = Date.now() + 5_000;
      const look = () => {
        const found = logged.slice(before).find((l) => l.msg === 'client went away mid-request');
        if (found) return resolve(found);
        if (Date.now() > deadline) return reject(new Error(`no debug line; logged: ${JSON.stringify(logged.slice(before))}`));
        setTimeout(look, 50);
      };
      look();
    });
    expect(line.level).toBe(20);
    expect(line.err).toBeUndefined();
    expect(logged.slice(before).filter((l) => l.level >= 50)).toEqual([]);
  });
});
