import { beforeEach } from 'vitest';
import { markFailed } from './db.ts';

// Loaded before every test file (vitest.config.ts setupFiles): a failed test marks its file's database
// to be kept when KEEP_FAILED_DB=1 (test/helpers/db.ts).
beforeEach((context) => {
  context.onTestFailed(() => markFailed());
});
