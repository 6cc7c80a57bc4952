/** What the person who clicked is told, ephemerally, in the place they are. */
export type Outcome = { ok: true; message?: string } | { ok: false; message: string };

export const ok = (message?: string): Outcome => (message === undefined ? { ok: true } : { ok: true, message });
export const refused = (message: string): Outcome => ({ ok: false, message });
