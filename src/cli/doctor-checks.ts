import type { Config } from '../config/load.ts';
import type { Db } from '../db/database.ts';
import { createMigrator } from '../db/migrate.ts';
import { QUEUES } from '../queue/queue.ts';
import { errorText, type Check } from './output.ts';
import { databaseNow, overdueJobs, queueSchema, serverVersion } from '../db/health.ts';

/** `doctor`'s checks of the database, the queue and the server: each one answer, never a throw. */

export async function checkDatabase(db: Db, label: string): Promise<Check> {
  try {
    const version = await serverVersion(db);
    return { name: 'database', status: 'ok', detail: `PostgreSQL ${version} reachable: ${label}` };
  } catch (error) {
    return {
      name: 'database',
      status: 'fail',
      detail: `cannot use ${label}: ${errorText(error)}`,
      hint: 'check DATABASE_URL (host, port, user, password, database) and that PostgreSQL accepts connections from here',
    };
  }
}

export async function checkMigrations(db: Db): Promise<Check> {
  try {
    const migrations = await createMigrator(db).getMigrations();
    const pending = migrations.filter((m) => !m.executedAt).map((m) => m.name);
    if (pending.length === 0) return { name: 'migrations', status: 'ok', detail: `all ${migrations.length} applied` };
    return {
      name: 'migrations',
      status: 'fail',
      detail: `${pending.length} pending: ${pending.join(', ')}`,
      hint: 'run `greenlight migrate` (the service also applies them when it starts)',
    };
  } catch (error) {
    return { name: 'migrations', status: 'fail', detail: `cannot read the migration history: ${errorText(error)}` };
  }
}

export async function checkQueue(db: Db): Promise<Check> {
  const name = 'queue';
  try {
    const schema = await queueSchema(db);
    if (!schema)
      return {
        name,
        status: 'fail',
        detail: 'pg-boss is not installed (no pgboss schema)',
        hint: 'start the service once: it installs the queue in the same database',
      };
    const { version, queues } = schema;
    const missing = Object.values(QUEUES).filter((q) => !queues.some((row) => row.name === q));
    if (missing.length > 0)
      return {
        name,
        status: 'fail',
        detail: `pg-boss schema v${version} lacks the queues ${missing.join(', ')}`,
        hint: 'start the service once: it creates its queues',
      };
    const waiting = queues
      .filter((q) => Object.values(QUEUES).includes(q.name as never))
      .map((q) => `${q.name} ${q.queued}`)
      .join(', ');
    return { name, status: 'ok', detail: `pg-boss schema v${version}, every queue present (queued: ${waiting})` };
  } catch (error) {
    return { name, status: 'fail', detail: `cannot read the queue: ${errorText(error)}` };
  }
}

/** A job due over a minute ago and not yet taken: no worker is running, or the workers cannot keep up. */
export async function checkWorkers(db: Db): Promise<Check> {
  const name = 'workers';
  try {
    const { due, oldest } = await overdueJobs(db);
    if (due === 0) return { name, status: 'ok', detail: 'no job waits past its time' };
    return {
      name,
      status: 'warn',
      detail: `${due} job(s) due for over a minute (oldest ${Math.round(oldest ?? 0)} s)`,
      hint: 'is a Greenlight service running against this database? `/readyz` and its log tell',
    };
  } catch (error) {
    return { name, status: 'fail', detail: `cannot read the jobs: ${errorText(error)}` };
  }
}

export const CLOCK_SKEW_WARN_MS = 2_000;

export async function checkClock(db: Db): Promise<Check> {
  try {
    const before = Date.now();
    const dbNow = await databaseNow(db);
    const after = Date.now();
    // Positive: this machine is ahead. The database read its clock somewhere between before and after.
    const skew = (before + after) / 2 - dbNow.getTime();
    const size = Math.abs(skew) < 1000 ? `${Math.round(Math.abs(skew))} ms` : `${(Math.abs(skew) / 1000).toFixed(1)} s`;
    const words = `${size} ${skew >= 0 ? 'ahead of' : 'behind'} the database's`;
    if (Math.abs(skew) <= CLOCK_SKEW_WARN_MS)
      return { name: 'clock', status: 'ok', detail: `this machine's clock is ${words} (under ${CLOCK_SKEW_WARN_MS / 1000} s)` };
    return {
      name: 'clock',
      status: 'warn',
      detail: `this machine's clock is ${words}`,
      hint: 'sync both with NTP (chrony, systemd-timesyncd): publish times, job times and token expiry compare them',
    };
  } catch (error) {
    return { name: 'clock', status: 'fail', detail: `cannot read the database's time: ${errorText(error)}` };
  }
}

const LOCAL_HOSTS = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\]|0\.0\.0\.0)$/i;

/** In production PUBLIC_URL is what Slack, Discord and the OAuth providers call back: https, and not this machine's loopback. */
export function checkPublicUrl(config: Config): Check {
  const url = new URL(config.http.publicUrl);
  if (config.env !== 'production')
    return { name: 'public url', status: 'skip', detail: `${config.http.publicUrl} (checked in production only; NODE_ENV=${config.env})` };
  if (url.protocol !== 'https:')
    return {
      name: 'public url',
      status: 'fail',
      detail: `${config.http.publicUrl} is not https`,
      hint: 'Slack, Discord and the OAuth providers call back over https: put TLS in front and set PUBLIC_URL to it',
    };
  if (LOCAL_HOSTS.test(url.hostname))
    return {
      name: 'public url',
      status: 'fail',
      detail: `${config.http.publicUrl} points at this machine`,
      hint: 'set PUBLIC_URL to the address the chat platforms reach',
    };
  if (url.search || url.hash)
    return {
      name: 'public url',
      status: 'fail',
      detail: `${config.http.publicUrl} has a query or fragment`,
      hint: 'give the bare base URL; the callback paths are appended to it',
    };
  return { name: 'public url', status: 'ok', detail: `${config.http.publicUrl}; OAuth redirect URIs are ${config.http.publicUrl}/oauth/callback/<network>` };
}
