import { startGreenlight } from './service/start-service.ts';
import { ConfigError, loadConfig } from './config/load.ts';
import { describeDatabase } from './db/database.ts';
import { defaultExtensions } from './service/wire-greenlight.ts';
import { createLogger } from './log.ts';

/** `npm start`: read the config, start everything, stop cleanly on Ctrl-C or SIGTERM. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\nSee .env.example and the configuration table in README.md.\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  const log = createLogger({ level: config.logLevel });
  const started = Date.now();
  const app = await startGreenlight({ config, log, extensions: defaultExtensions(config) });
  log.info(
    { url: app.url, database: describeDatabase(app.databaseUrl, !config.database.url), slack: config.slack?.mode ?? 'off', discord: config.discord?.mode ?? 'off', startedInMs: Date.now() - started },
    `Greenlight is listening on ${app.url} using ${describeDatabase(app.databaseUrl, !config.database.url)}`,
  );

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping: finishing in-flight work');
    await app.stop();
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(`Greenlight failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  if (error instanceof Error && error.cause) process.stderr.write(`  cause: ${error.cause instanceof Error ? error.cause.message : String(error.cause)}\n`);
  process.exit(1);
});
