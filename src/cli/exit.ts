import { ConfigError } from '../config/load.ts';
import { KeyringError } from '../crypto/token-cipher.ts';
import { CliError } from './args.ts';
import { errorText } from './output.ts';

/**
 * Ends the process with the command's exit code: 0 done, 1 failed, 2 usage or configuration. Errors
 * become one message on stderr; a stack trace only for what nobody expected.
 */
export function exitWith(command: string, result: Promise<number>): void {
  result.then(
    (code) => process.exit(code),
    (error: unknown) => process.exit(report(command, error)),
  );
}

export function report(command: string, error: unknown): number {
  if (error instanceof ConfigError || error instanceof KeyringError) {
    process.stderr.write(`${error.message}\n`);
    return 2;
  }
  if (error instanceof CliError) {
    process.stderr.write(`${command}: ${error.message}\n`);
    if (error.exitCode === 2 && error.name === 'UsageError') process.stderr.write('Run `greenlight help` for the commands and their options.\n');
    return error.exitCode;
  }
  process.stderr.write(`${command} failed: ${errorText(error)}\n`);
  return 1;
}
