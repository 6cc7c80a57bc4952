import { Writable } from 'node:stream';
import { createLogger } from '../../src/log.ts';

/** A logger that keeps every line it writes, for tests that read what Greenlight logged. */
export function logBuffer(level = 'trace') {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { lines, text: () => lines.join(''), log: createLogger({ level }, stream) };
}

/**
 * Slack-shaped tokens for tests, put together at run time: a test of redaction needs the real
 * prefixes, and a literal in the repository would look like a leaked credential to a secret scanner.
 */
const SLACK_PREFIX = { bot: 'xox' + 'b', user: 'xox' + 'p', app: 'x' + 'app' } as const;

export function fakeSlackToken(kind: keyof typeof SLACK_PREFIX, label: string): string {
  return `${SLACK_PREFIX[kind]}-${label}`;
}
