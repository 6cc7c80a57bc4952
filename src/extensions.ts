import type { Extension } from './app.ts';
import type { Config } from './config.ts';

/** The parts that run in `npm start`, by configuration. */
export function defaultExtensions(_config: Config): Extension[] {
  return [];
}
