/** Small helpers the adapters share for reading metrics answers. */

/** A count as the network gave it: a non-negative integer, else undefined ("not reported"). */
export function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : undefined;
}

/** The sum of the counts that were reported; undefined when none was. */
export function sumReported(...values: (number | undefined)[]): number | undefined {
  const reported = values.filter((v): v is number => v !== undefined);
  return reported.length === 0 ? undefined : reported.reduce((a, b) => a + b, 0);
}

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Drops undefined fields, so "not reported" is an absent key and never an explicit undefined. */
export function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
