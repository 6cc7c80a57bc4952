import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The official OpenAPI specs (Slack's slack-api-specs, Discord's discord-api-spec, X's
 * https://api.x.com/2/openapi.json; the README names the files) are not in the repository, about 1 MB
 * each. GREENLIGHT_SPECS_DIR names their folder; without it, a `shared/specs` folder beside the
 * checkout, then the development machine's own copy.
 */
const CANDIDATES = [
  process.env.GREENLIGHT_SPECS_DIR,
  path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/specs'),
  '/work/shared/specs',
].filter((dir): dir is string => Boolean(dir));

export function specPath(file: string): string {
  const found = CANDIDATES.map((dir) => path.join(dir, file)).find((candidate) => existsSync(candidate));
  if (!found) throw new Error(`the official spec ${file} is in none of ${CANDIDATES.join(', ')}; set GREENLIGHT_SPECS_DIR to the folder that holds it`);
  return found;
}
