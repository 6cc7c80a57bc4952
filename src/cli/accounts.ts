import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { findWorkspaceByRef, listAccountRows, type AccountRow } from '../db/operator-views.ts';
import type { AccountStatus } from '../db/schema.ts';
import { operatorDisconnectAccount } from '../workflow/operator-actions.ts';
import { checkAccounts } from './account-check.ts';
import { CliError, noMoreArgs, oneOf, parsing, requireId, UsageError } from './args.ts';
import { checkLine, clip, failed, print, printJson, table, time } from './output.ts';
import { adaptersFor, cliConfig, withRuntime, type Runtime } from './runtime.ts';

/** `greenlight accounts list|check|disconnect`: the connected social accounts of every workspace. */
export async function run(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const command = sub === 'list' ? list : sub === 'check' ? check : sub === 'disconnect' ? disconnect : undefined;
  if (!command) throw new UsageError(`${sub ? `unknown accounts command "${sub}"; ` : ''}accounts list | check [ID] | disconnect ID`);
  return command(rest);
}

const STATUSES: readonly AccountStatus[] = ['connected', 'needs_reconnect', 'disconnected'];

async function list(args: string[]): Promise<number> {
  const { values, positionals } = parsing(() =>
    parseArgs({
      args,
      options: { workspace: { type: 'string' }, status: { type: 'string' }, json: { type: 'boolean' } },
      allowPositionals: true,
      strict: true,
    }),
  );
  noMoreArgs(positionals, 0);
  const status = oneOf(values.status, STATUSES, '--status');
  return withRuntime(cliConfig(), async (rt) => {
    const workspaceId = values.workspace ? await workspaceIdOf(rt, values.workspace) : undefined;
    const rows = await listAccountRows(rt.db, { ...(workspaceId ? { workspaceId } : {}), ...(status ? { status } : {}) });
    if (values.json) printJson(rows);
    else print(rows.length ? accountTable(rows) : 'no accounts');
    return 0;
  });
}

function accountTable(rows: AccountRow[]): string {
  return table(
    ['ID', 'WORKSPACE', 'NETWORK', 'NAME', 'STATUS', 'TOKEN EXPIRES', 'LAST ERROR'],
    rows.map((a) => [a.id, `${a.chat}:${a.workspace}`, a.network, a.name, a.status, time(a.tokenExpiresAt), clip(a.lastError, 60) || '-']),
  );
}

export async function workspaceIdOf(rt: Runtime, ref: string): Promise<string> {
  const workspace = await findWorkspaceByRef(rt.db, ref);
  if (!workspace) throw new CliError(`there is no workspace "${ref}" (give its id, or its Slack team id or Discord guild id)`);
  return workspace.id;
}

async function check(args: string[]): Promise<number> {
  const { values, positionals } = parsing(() => parseArgs({ args, options: { json: { type: 'boolean' } }, allowPositionals: true, strict: true }));
  noMoreArgs(positionals, 1);
  const accountId = positionals[0] === undefined ? undefined : requireId(positionals[0], 'account');
  const config = cliConfig();
  return withRuntime(config, async (rt) => {
    const checks = await checkAccounts(
      { db: rt.db, cipher: await rt.cipher(), adapters: await adaptersFor(config), timeoutMs: config.publish.networkTimeoutMs, now: new Date() },
      accountId,
    );
    if (accountId && checks.length === 0) throw new CliError(`there is no account ${accountId}`);
    if (values.json) printJson(checks);
    else print(checks.length ? checks.map(checkLine).join('\n') : 'no accounts to check');
    return failed(checks) ? 1 : 0;
  });
}

async function disconnect(args: string[]): Promise<number> {
  const { values, positionals } = parsing(() => parseArgs({ args, options: { yes: { type: 'boolean', short: 'y' } }, allowPositionals: true, strict: true }));
  noMoreArgs(positionals, 1);
  const accountId = requireId(positionals[0], 'account');
  if (!values.yes && !process.stdin.isTTY) throw new UsageError('accounts disconnect asks for confirmation and there is no terminal to ask on: pass --yes');
  return withRuntime(cliConfig(), async (rt) => {
    const [account] = await listAccountRows(rt.db, { accountId });
    if (!account) throw new CliError(`there is no account ${accountId}`);
    if (
      !values.yes &&
      !(await confirm(
        `Disconnect ${account.network} account ${account.name} of ${account.chat}:${account.workspace}? It publishes nothing more and its queued posts wait until it is connected again. [y/N] `,
      ))
    ) {
      throw new CliError('nothing changed');
    }
    const outcome = await operatorDisconnectAccount(await rt.deps(), rt.operator, accountId);
    if (!outcome.ok) throw new CliError(outcome.message);
    print(`accounts: ${outcome.message ?? 'disconnected'}`);
    return 0;
  });
}

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}
