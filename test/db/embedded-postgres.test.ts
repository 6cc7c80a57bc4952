import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, readFile, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { EmbeddedPostgresError, findFreePort, linkTree, startEmbeddedPostgres, type RunningEmbeddedPostgres } from '../../src/db/embedded-postgres.ts';
import { createLogger } from '../../src/log.ts';

/**
 * The real embedded start (initdb and postgres, as `npm start` and the test run use them) in the ways
 * it fails: each ends in a rejected promise whose message is one line naming the cause and the remedy,
 * never an unhandled 'error' event.
 */
const log = createLogger({ level: 'silent' });
const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function tempDir(mode = 0o755): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'greenlight-embedded-test-'));
  await chmod(dir, mode); // as root the server runs as the postgres user, which must enter it
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function startAndTrack(options: Parameters<typeof startEmbeddedPostgres>[0]): Promise<RunningEmbeddedPostgres> {
  const running = await startEmbeddedPostgres(options);
  cleanup.push(() => running.stop());
  return running;
}

async function failure(promise: Promise<unknown>): Promise<EmbeddedPostgresError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(EmbeddedPostgresError);
  const message = (error as Error).message;
  expect(message).not.toContain('\n');
  expect(message).toMatch(/DATABASE_URL/); // every message names a way out
  return error as EmbeddedPostgresError;
}

async function query(url: string, sql: string): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('the embedded PostgreSQL start, when it cannot start', () => {
  it('refuses a data directory made by another PostgreSQL major version, saying which and what to do', async () => {
    const dataDir = await tempDir();
    await mkdir(path.join(dataDir, 'pg'), { mode: 0o700 });
    await writeFile(path.join(dataDir, 'pg', 'PG_VERSION'), '16\n');
    const error = await failure(startEmbeddedPostgres({ dataDir, log }));
    expect(error.message).toMatch(/created by PostgreSQL 16, and this Greenlight runs PostgreSQL 18/);
    expect(error.message).toContain(path.join(dataDir, 'pg'));
    expect(error.message).toMatch(/move that directory aside/);
  });

  it('says a port is taken by another program, and starts on a free one afterwards', async () => {
    const dataDir = await tempDir();
    const port = await findFreePort();
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    cleanup.push(() => new Promise((resolve) => blocker.close(resolve)));
    const error = await failure(startEmbeddedPostgres({ dataDir, log, port }));
    expect(error.message).toMatch(new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use by another program`));
    // The cluster initdb made is sound: the next start (a free port) uses it.
    const running = await startAndTrack({ dataDir, log });
    expect(await query(running.url, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });

  it('reports initdb failing (a non-empty directory where the cluster goes) with initdb’s own reason', async () => {
    const dataDir = await tempDir();
    await mkdir(path.join(dataDir, 'pg'), { mode: 0o700 });
    await writeFile(path.join(dataDir, 'pg', 'notes.txt'), 'not a database\n');
    const error = await failure(startEmbeddedPostgres({ dataDir, log }));
    expect(error.message).toMatch(
      /^initdb could not create the embedded database in .*\/pg \(initdb: error: directory ".*\/pg" exists but is not empty\): empty or remove /,
    );
  });

  it('says the disk is full when initdb runs out of space, naming the directory', async (context) => {
    // A 4 MB tmpfs (initdb writes ~40 MB): needs root and the right to mount, as in CI's and this container.
    const mountPoint = await tempDir();
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m,mode=0755', 'tmpfs', mountPoint], { stdio: 'pipe' });
    } catch (error) {
      console.log(`skipped: cannot mount a small tmpfs to fill (needs root and CAP_SYS_ADMIN): ${(error as Error).message.split('\n')[0]}`);
      context.skip();
    }
    cleanup.push(async () => execFileSync('umount', [mountPoint]));
    const error = await failure(startEmbeddedPostgres({ dataDir: path.join(mountPoint, 'data'), log }));
    expect(error.message).toMatch(
      /^initdb could not create the embedded database in .*\/data\/pg \(FATAL: could not write to file ".*": No space left on device\): free disk space on the file system of /,
    );
  });

  it('says a data directory cannot be created (a file in its path), naming the setting to change', async () => {
    const parent = await tempDir();
    await writeFile(path.join(parent, 'a-file'), '');
    const error = await failure(startEmbeddedPostgres({ dataDir: path.join(parent, 'a-file', 'data'), log }));
    expect(error.message).toMatch(/^cannot create the data directory .*a-file\/data \(ENOTDIR.*\): set GREENLIGHT_DATA_DIR to a writable directory/);
  });

  it('says the binaries are missing, instead of an unhandled spawn error', async () => {
    const dir = await tempDir();
    const runtimeDir = path.join(dir, 'runtime');
    await mkdir(path.join(dir, 'native', 'bin'), { recursive: true });
    await writeFile(path.join(dir, 'package.json'), JSON.stringify({ version: '18.4.0' }));
    const error = await failure(startEmbeddedPostgres({ dataDir: path.join(dir, 'data'), log, runtimeDir, nativeDir: path.join(dir, 'native') }));
    expect(error.message).toMatch(/native\/bin\/initdb is missing: run npm ci/);
    expect(existsSync(runtimeDir)).toBe(false); // no empty copy of them left to be taken for a build
  });
});

describe('as root, from a directory other users cannot enter (a clone in /root, a mktemp -d)', () => {
  it('keeps the binaries and the cluster where the postgres user can reach them, and comes up (and again)', async (context) => {
    if (process.getuid?.() !== 0) {
      console.log('skipped: this test runs as root only (PostgreSQL then runs as the postgres user); this run is not root');
      context.skip();
    }
    // The checkout: a private directory holding the PostgreSQL build (as node_modules would).
    const checkout = await tempDir(0o700);
    const build = (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as { postgres: string };
    const installed = path.dirname(path.dirname(build.postgres));
    await linkTree(installed, path.join(checkout, 'build', 'native'));
    await copyFile(path.join(installed, '..', 'package.json'), path.join(checkout, 'build', 'package.json'));
    const dataDir = path.join(checkout, '.greenlight');
    // Where the runtime copies go (/var/lib/greenlight by default).
    const runtimeDir = path.join(await tempDir(0o755), 'var-lib-greenlight');
    const options = { dataDir, log, runtimeDir, nativeDir: path.join(checkout, 'build', 'native'), database: 'greenlight' };

    const first = await startEmbeddedPostgres(options);
    let stopped = false;
    cleanup.push(() => (stopped ? Promise.resolve() : first.stop()));
    expect(await query(first.url, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
    // The cluster lives under the runtime directory, owned by postgres with mode 0700, linked from <dataDir>/pg.
    const [row] = (await query(first.url, "SELECT current_setting('data_directory') AS data_directory")) as { data_directory: string }[];
    const clusterDir = row!.data_directory;
    expect(path.dirname(clusterDir)).toBe(runtimeDir);
    expect(await readlink(path.join(dataDir, 'pg'))).toBe(clusterDir);
    const postgresUid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const info = await stat(clusterDir);
    expect({ uid: info.uid, mode: info.mode & 0o777 }).toEqual({ uid: postgresUid, mode: 0o700 });
    // The server runs as postgres, from the binaries' reachable copy.
    const pid = Number((await readFile(path.join(clusterDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
    expect((await stat(`/proc/${pid}`)).uid).toBe(postgresUid);
    expect(await readlink(`/proc/${pid}/exe`)).toMatch(new RegExp(`^${runtimeDir}/postgresql-[\\d.]+[^/]*-linux-x64/bin/postgres$`));
    await first.stop();
    stopped = true;

    // The next start reuses both.
    const second = await startAndTrack(options);
    expect(await query(second.url, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
    expect(second.databaseDir).toBe(clusterDir);
  });

  it('stops with one line naming the cause and the remedy when there is nowhere the postgres user can reach', async (context) => {
    if (process.getuid?.() !== 0) {
      console.log('skipped: this test runs as root only (PostgreSQL then runs as the postgres user); this run is not root');
      context.skip();
    }
    const checkout = await tempDir(0o700);
    const build = (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as { postgres: string };
    const installed = path.dirname(path.dirname(build.postgres));
    await linkTree(installed, path.join(checkout, 'build', 'native'));
    await copyFile(path.join(installed, '..', 'package.json'), path.join(checkout, 'build', 'package.json'));
    // /var/lib/greenlight cannot be made (read-only, say): here a file stands where it would go.
    await writeFile(path.join(checkout, 'not-a-dir'), '');
    const error = await failure(
      startEmbeddedPostgres({
        dataDir: path.join(checkout, 'data'),
        log,
        runtimeDir: path.join(checkout, 'not-a-dir', 'greenlight'),
        nativeDir: path.join(checkout, 'build', 'native'),
      }),
    );
    expect(error.message).toMatch(
      /^running as root, PostgreSQL must run as the postgres user, which cannot reach .*\/build\/native \(a parent directory is private\), and the binaries could not be placed in .*\/not-a-dir\/greenlight \(ENOTDIR.*\): move the checkout to a directory other users can enter, run as another user, or set DATABASE_URL/,
    );
  });
});
