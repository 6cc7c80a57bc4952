export async function growth(_adminUrl: string): Promise<{ queries: { name: string; smallMs: number; largeMs: number }[]; plans: string }> {
  return { queries: [], plans: '' };
}
