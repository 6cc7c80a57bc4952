import { ConfigError, loadConfig } from '../config.ts';
import { createDb } from '../db/database.ts';
import { startEmbeddedPostgres } from '../db/embedded-postgres.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { createLogger } from '../log.ts';

/** `npm run migrate`: applies pending migrations to DATABASE_URL (or the embedded database) and exits. */
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const log = createLogger({ level: config.logLevel === 'info' ? 'warn' : config.logLevel });
  const embedded = config.database.url ? undefined : await startEmbeddedPostgres({ dataDir: config.dataDir, log });
  const { db } = createDb({ url: config.database.url ?? embedded!.url, poolSize: 2 });
  try {
    const results = await migrateToLatest(db);
    if (results.length === 0) console.log('migrate: the database is up to date');
    for (const r of results) console.log(`migrate: ${r.migrationName} ${r.status === 'Success' ? 'applied' : r.status}`);
  } finally {
    await db.destroy();
    await embedded?.stop();
  }
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) process.stderr.write(`${error.message}\n`);
  else process.stderr.write(`migrate failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
