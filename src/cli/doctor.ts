import { parseArgs } from 'node:util';
import { ConfigError, type Config } from '../config/load.ts';
import { createDb, type Db } from '../db/database.ts';
import { checkAccounts } from './account-check.ts';
import { noMoreArgs, parsing } from './args.ts';
import { checkDiscord, checkSlack } from './chat-checks.ts';
import { checkClock, checkDatabase, checkMigrations, checkPublicUrl, checkQueue, checkWorkers } from './doctor-checks.ts';
import { checkLine, errorText, failed, print, printJson, type Check } from './output.ts';
import { adaptersFor, cliConfig, cliLogger, loadCipher, resolveDatabase } from './runtime.ts';
import { countLiveAccounts } from '../db/accounts.ts';

/**
 * `greenlight doctor [--offline] [--json]`: every check on one line, ✓ fine, ✗ failed (with what to do),
 * ! worth a look, - skipped. Exit 0 when nothing failed, 1 when something did, 2 on a usage error.
 * `--offline` makes no call outside this machine and the database (no Slack, Discord or network checks).
 */
export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parsing(() =>
    parseArgs({ args, options: { offline: { type: 'boolean' }, json: { type: 'boolean' } }, allowPositionals: true, strict: true }),
  );
  noMoreArgs(positionals, 0);
  const checks: Check[] = [];
  const emit = (...found: Check[]) => {
    checks.push(...found);
    if (!values.json) for (const c of found) print(checkLine(c));
  };
  await runChecks(emit, values.offline === true);
  if (values.json) printJson({ ok: !failed(checks), checks });
  return failed(checks) ? 1 : 0;
}

type Emit = (...checks: Check[]) => void;

async function runChecks(emit: Emit, offline: boolean): Promise<void> {
  let config: Config;
  try {
    config = cliConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    emit(
      ...error.problems.map((p): Check => ({ name: 'config', status: 'fail', detail: p, hint: 'see .env.example and the configuration table in README.md' })),
    );
    emit({ name: 'everything else', status: 'skip', detail: 'not checked until the configuration parses' });
    return;
  }
  emit({
    name: 'config',
    status: 'ok',
    detail: `parses (NODE_ENV=${config.env}, Slack ${config.slack?.mode ?? 'off'}, Discord ${config.discord?.mode ?? 'off'})`,
  });
  await databaseChecks(emit, config, offline);
  if (offline) emit({ name: 'slack, discord', status: 'skip', detail: 'offline' });
  else emit(await checkSlack(config), await checkDiscord(config));
  emit(checkPublicUrl(config));
}

async function databaseChecks(emit: Emit, config: Config, offline: boolean): Promise<void> {
  const log = cliLogger(config);
  let target;
  try {
    target = await resolveDatabase(config, log);
  } catch (error) {
    emit({ name: 'database', status: 'fail', detail: errorText(error) });
    return;
  }
  const { db } = createDb({ url: target.url, poolSize: 2, applicationName: 'greenlight-doctor' });
  try {
    const reachable = await checkDatabase(db, target.label);
    emit(reachable);
    if (reachable.status !== 'ok') {
      emit({ name: 'migrations, queue, clock, accounts', status: 'skip', detail: 'need the database' });
      return;
    }
    const queue = await checkQueue(db);
    emit(await checkMigrations(db), queue);
    emit(queue.status === 'ok' ? await checkWorkers(db) : { name: 'workers', status: 'skip', detail: 'need the queue' });
    emit(await checkClock(db));
    emit(...(await accountChecks(db, config, offline)));
  } finally {
    await db.destroy();
    await target.stop?.();
  }
}

async function accountChecks(db: Db, config: Config, offline: boolean): Promise<Check[]> {
  const counted = { n: await countLiveAccounts(db) };
  if (counted.n === 0) return [{ name: 'accounts', status: 'ok', detail: 'none connected yet' }];
  if (offline) return [{ name: 'accounts', status: 'skip', detail: `offline: ${counted.n} account token(s) not checked` }];
  const cipher = await loadCipher(config);
  if (!cipher)
    return [
      {
        name: 'accounts',
        status: 'fail',
        detail: 'no encryption keys to read the tokens with',
        hint: "run doctor with the server's ENCRYPTION_KEYS and ENCRYPTION_PRIMARY_KEY_ID",
      },
    ];
  const checks = await checkAccounts({ db, cipher, adapters: await adaptersFor(config), timeoutMs: config.publish.networkTimeoutMs, now: new Date() });
  return checks.map(({ accountId: _id, network: _network, ...check }) => ({ ...check, name: `account ${check.name}` }));
}
