import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { migrateToLatest } from '../db/migrate.ts';
import { noMoreArgs, parsing } from './args.ts';
import { exitWith } from './exit.ts';
import { print } from './output.ts';
import { cliConfig, withRuntime } from './runtime.ts';

/**
 * `greenlight migrate` (also `npm run migrate`): applies pending migrations to DATABASE_URL (or the embedded
 * database, created on first use) and exits. The service applies them on start too; this is for deploys
 * that migrate before rolling out.
 */
export async function run(args: string[]): Promise<number> {
  const { positionals } = parsing(() => parseArgs({ args, options: {}, allowPositionals: true, strict: true }));
  noMoreArgs(positionals, 0);
  return withRuntime(
    cliConfig(),
    async (rt) => {
      const results = await migrateToLatest(rt.db);
      if (results.length === 0) print('migrate: the database is up to date');
      for (const r of results) print(`migrate: ${r.migrationName} ${r.status === 'Success' ? 'applied' : r.status}`);
      return 0;
    },
    { create: true },
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) exitWith('migrate', run(process.argv.slice(2)));
