import { startGreenlight } from './service/start-service.ts';
import { ConfigError, loadConfig } from './config/load.ts';
import { describeDatabase } from './db/database.ts';
import { defaultExtensions } from './service/wire-greenlight.ts';
import { createLogger, logFormat, prettyDestination } from './log.ts';

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
  const pretty = logFormat(config.logFormat, Boolean(process.stdout.isTTY)) === 'pretty';
  const log = createLogger({ level: config.logLevel }, pretty ? await prettyDestination() : undefined);
  const started = Date.now();
  const app = await startGreenlight({ config, log, extensions: defaultExtensions(config) });
  log.info(
    {
      url: app.url,
      database: describeDatabase(app.databaseUrl, !config.database.url),
      slack: config.slack?.mode ?? 'off',
      discord: config.discord?.mode ?? 'off',
      startedInMs: Date.now() - started,
    },
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
  // The terminal closed: stop as for Ctrl-C, so the embedded database is not left running.
  process.on('SIGHUP', () => void shutdown('SIGHUP'));
}

main().catch((error: unknown) => {
  // One line, no stack: an EmbeddedPostgresError's message already names the cause and the remedy.
  const message = error instanceof Error ? error.message : String(error);
  const cause =
    error instanceof Error && error.name !== 'EmbeddedPostgresError' && error.cause
      ? ` (cause: ${error.cause instanceof Error ? error.cause.message : String(error.cause)})`
      : '';
  process.stderr.write(`Greenlight failed to start: ${`${message}${cause}`.replace(/\s*\n\s*/g, ' ')}\n`);
  process.exit(1);
});
