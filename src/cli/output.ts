/**
 * What the CLI prints: aligned tables and check lines for people, `--json` for scripts. Results go to
 * stdout, progress and errors to stderr. Nothing here ever receives a token.
 */

export function print(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function note(text: string): void {
  process.stderr.write(`${text}\n`);
}

/** Columns padded to their widest cell; the last column is left ragged. */
export function table(headers: string[], rows: string[][]): string {
  if (rows.length === 0) return '';
  const all = [headers, ...rows];
  const widths = headers.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return all
    .map((r) =>
      r
        .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** `2026-11-24 09:00Z`: UTC to the minute, as a table cell. */
export function time(value: Date | null | undefined): string {
  if (!value) return '-';
  return value.toISOString().slice(0, 16).replace('T', ' ') + 'Z';
}

/** One line of at most `max` characters. */
export function clip(text: string | null | undefined, max: number): string {
  const line = (text ?? '').replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

export type CheckStatus = 'ok' | 'fail' | 'warn' | 'skip';

/** One line of `doctor` or `accounts check`: what was checked, what was found, and what to do. */
export interface Check {
  name: string;
  status: CheckStatus;
  detail: string;
  hint?: string;
}

const MARKS: Record<CheckStatus, string> = { ok: '✓', fail: '✗', warn: '!', skip: '-' };

export function checkLine(check: Check): string {
  return `${MARKS[check.status]} ${check.name}: ${check.detail}${check.hint ? ` — ${check.hint}` : ''}`;
}

export const failed = (checks: Check[]): boolean => checks.some((c) => c.status === 'fail');

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
