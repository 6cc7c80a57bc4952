import { isIP } from 'node:net';

/**
 * What the outbound guard (src/networks/outbound.ts) allows for addresses users type: set from the
 * configuration (NODE_ENV, OUTBOUND_ALLOW_PRIVATE), read by the guard.
 */
export interface OutboundPolicy {
  /** Plain http is refused (production). */
  httpsOnly: boolean;
  /** CIDRs a team allows although they are private (OUTBOUND_ALLOW_PRIVATE): an intranet CMS, the emulators. */
  allowPrivate: string[];
  /** Name lookup (tests inject one); default `dns.lookup` with every address. */
  lookup?: (hostname: string) => Promise<{ address: string; family: number }[]>;
}

/** Parses OUTBOUND_ALLOW_PRIVATE: comma-separated CIDRs (a bare address is /32 or /128). */
export function parseAllowList(text: string | undefined): { ok: true; cidrs: string[] } | { ok: false; problem: string } {
  const cidrs = (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const cidr of cidrs) {
    const [address = '', bits, extra] = cidr.split('/');
    const family = isIP(address);
    const max = family === 4 ? 32 : 128;
    const n = bits === undefined ? max : Number(bits);
    if (family === 0 || extra !== undefined || !Number.isInteger(n) || n < 0 || n > max || (bits !== undefined && !/^\d+$/.test(bits))) {
      return { ok: false, problem: `"${cidr.slice(0, 60)}" is not a CIDR range such as 10.0.0.0/8 or fd00::/8` };
    }
  }
  return { ok: true, cidrs };
}
