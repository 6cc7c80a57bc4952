import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The official OpenAPI specs live beside the project, in the team's shared folder (../shared/specs),
 * not in the repository. A clone somewhere else finds them through GREENLIGHT_SPECS_DIR, or at the
 * workplace's own path.
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
