import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { Agent } from 'undici';
import type { OutboundPolicy } from '../domain/outbound-policy.ts';
import { parseAllowList } from '../domain/outbound-policy.ts';

/**
 * The guard for every request to an address a user typed (media links, webhook URLs, Mastodon and Bluesky
 * servers): it refuses loopback, private, link-local, shared, multicast, unspecified, reserved and
 * documentation addresses, whatever form the URL gives them in, and pins the connection to the addresses
 * it checked. Built from what Node and undici offer (WHATWG `URL` normalises decimal, octal, hex and short
 * IPv4 forms; `net.BlockList` matches ranges, including IPv4-mapped IPv6; an undici `Agent` whose
 * `connect.lookup` is the only name lookup for the connection, so DNS rebinding cannot swap the address
 * between the check and the connect). No npm library does this for undici (request-filtering-agent and
 * ssrf-req-filter are http.Agent subclasses only).
 *
 * TRAP: `connect.lookup` is not called for IP-literal hosts, so `checkOutboundUrl` checks literals itself;
 * every caller goes through `guardedUrl` (or `send` with `outbound`) before dispatching.
 */

export { parseAllowList, type OutboundPolicy } from '../domain/outbound-policy.ts';

/** Why an address is refused, as said to the user: "… points to <class>". */
export type AddressClass =
  | 'a loopback address'
  | 'a private network address'
  | 'a link-local address'
  | 'a shared (carrier-grade NAT) address'
  | 'a multicast address'
  | 'an unspecified address'
  | 'a reserved or documentation address';

export class OutboundRefusedError extends Error {
  readonly code = 'ERR_OUTBOUND_REFUSED';
  /** The short reason shown to the user, e.g. "points to a private network address". */
  readonly reason: string;
  constructor(message: string, reason: string) {
    super(message);
    this.reason = reason;
    this.name = 'OutboundRefusedError';
  }
}

type Range = [prefix: string, bits: number, type: 'ipv4' | 'ipv6', cls: AddressClass];

const RANGES: Range[] = [
  ['0.0.0.0', 8, 'ipv4', 'an unspecified address'],
  ['10.0.0.0', 8, 'ipv4', 'a private network address'],
  ['100.64.0.0', 10, 'ipv4', 'a shared (carrier-grade NAT) address'],
  ['127.0.0.0', 8, 'ipv4', 'a loopback address'],
  ['169.254.0.0', 16, 'ipv4', 'a link-local address'],
  ['172.16.0.0', 12, 'ipv4', 'a private network address'],
  ['192.0.0.0', 24, 'ipv4', 'a reserved or documentation address'],
  ['192.0.2.0', 24, 'ipv4', 'a reserved or documentation address'],
  ['192.88.99.0', 24, 'ipv4', 'a reserved or documentation address'],
  ['192.168.0.0', 16, 'ipv4', 'a private network address'],
  ['198.18.0.0', 15, 'ipv4', 'a reserved or documentation address'],
  ['198.51.100.0', 24, 'ipv4', 'a reserved or documentation address'],
  ['203.0.113.0', 24, 'ipv4', 'a reserved or documentation address'],
  ['224.0.0.0', 4, 'ipv4', 'a multicast address'],
  ['240.0.0.0', 4, 'ipv4', 'a reserved or documentation address'],
  ['::', 128, 'ipv6', 'an unspecified address'],
  ['::1', 128, 'ipv6', 'a loopback address'],
  ['64:ff9b:1::', 48, 'ipv6', 'a private network address'],
  ['100::', 64, 'ipv6', 'a reserved or documentation address'],
  ['2001::', 23, 'ipv6', 'a reserved or documentation address'],
  ['2001:db8::', 32, 'ipv6', 'a reserved or documentation address'],
  ['3fff::', 20, 'ipv6', 'a reserved or documentation address'],
  ['fc00::', 7, 'ipv6', 'a private network address'],
  ['fe80::', 10, 'ipv6', 'a link-local address'],
  ['fec0::', 10, 'ipv6', 'a private network address'],
  ['ff00::', 8, 'ipv6', 'a multicast address'],
];

const LISTS: [BlockList, AddressClass][] = RANGES.map(([prefix, bits, type, cls]) => {
  const list = new BlockList();
  list.addSubnet(prefix, bits, type);
  return [list, cls];
});

/** The IPv4 address an IPv6 address carries: mapped (::ffff:a.b.c.d), compatible (::a.b.c.d), NAT64 (64:ff9b::/96), 6to4 (2002::/16). */
function embeddedIPv4(address: string): string | undefined {
  const words = expandIPv6(address);
  if (!words) return undefined;
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  const zeros = (from: number, to: number) => words.slice(from, to).every((w) => w === 0);
  if (zeros(0, 5) && words[5] === 0xffff) return v4(words[6]!, words[7]!);
  if (zeros(0, 6) && (words[6] !== 0 || words[7]! > 1)) return v4(words[6]!, words[7]!);
  if (words[0] === 0x64 && words[1] === 0xff9b && zeros(2, 6)) return v4(words[6]!, words[7]!);
  if (words[0] === 0x2002) return v4(words[1]!, words[2]!);
  return undefined;
}

/** Eight 16-bit words of an IPv6 address (with an optional dotted IPv4 tail); undefined if it is not one. */
function expandIPv6(address: string): number[] | undefined {
  if (isIP(address) !== 6) return undefined;
  let text = address.replace(/%.*$/, '');
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted[1]!.split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const part = (s: string | undefined) => (s ? s.split(':').map((w) => parseInt(w, 16)) : []);
  const h = part(head);
  const t = part(tail);
  return tail === undefined ? h : [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
}

/** The class of a refused address, or undefined for a public unicast address. Ignores the allow list. */
export function addressClass(address: string): AddressClass | undefined {
  const family = isIP(address);
  if (family === 0) return 'a reserved or documentation address';
  if (family === 6) {
    const inner = embeddedIPv4(address);
    if (inner !== undefined) {
      const cls = addressClass(inner);
      if (cls) return cls;
      // A public IPv4 address in the deprecated compatible form: nothing legitimate uses it.
      if (
        expandIPv6(address)!
          .slice(0, 6)
          .every((w) => w === 0)
      )
        return 'a reserved or documentation address';
      return undefined;
    }
  }
  const type = family === 4 ? 'ipv4' : 'ipv6';
  for (const [list, cls] of LISTS) if (list.check(address, type)) return cls;
  return undefined;
}

const allowLists = new WeakMap<OutboundPolicy, BlockList>();

function allowListOf(policy: OutboundPolicy): BlockList {
  let list = allowLists.get(policy);
  if (!list) {
    list = new BlockList();
    for (const cidr of policy.allowPrivate) {
      const [address = '', bits] = cidr.split('/');
      const family = isIP(address) === 4 ? 'ipv4' : 'ipv6';
      list.addSubnet(address, bits === undefined ? (family === 'ipv4' ? 32 : 128) : Number(bits), family);
    }
    allowLists.set(policy, list);
  }
  return list;
}

/** Why this address may not be connected to under the policy, or undefined when it may. */
export function refusedAddress(address: string, policy: OutboundPolicy): AddressClass | undefined {
  const cls = addressClass(address);
  if (!cls) return undefined;
  const family = isIP(address);
  const allow = allowListOf(policy);
  if (family !== 0 && allow.check(address, family === 4 ? 'ipv4' : 'ipv6')) return undefined;
  const inner = family === 6 ? embeddedIPv4(address) : undefined;
  if (inner !== undefined && allow.check(inner, 'ipv4')) return undefined;
  return cls;
}

/** The hostname as an IP address when it is one (WHATWG URL puts IPv6 in brackets), else undefined. */
function literalOf(hostname: string): string | undefined {
  const bare = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  return isIP(bare) ? bare : undefined;
}

/**
 * Checks a URL before any request: parsable, http(s) (https only under `httpsOnly`), no credentials, and a
 * literal address that is allowed. A host name is not looked up here (the connect does that, once, and checks
 * what it gets). Throws OutboundRefusedError with the user-facing reason.
 */
export function guardedUrl(input: string | URL, policy: OutboundPolicy): URL {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new OutboundRefusedError('not a URL', 'is not a web address');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && !policy.httpsOnly)) {
    throw new OutboundRefusedError(`refused scheme ${url.protocol}`, policy.httpsOnly ? 'must start with https://' : 'must start with https:// or http://');
  }
  if (url.username || url.password) throw new OutboundRefusedError('credentials in URL', 'carries a user name or password');
  const literal = literalOf(url.hostname);
  if (literal) {
    const cls = refusedAddress(literal, policy);
    if (cls) throw new OutboundRefusedError(`${url.host} is ${cls}`, `points to ${cls}`);
  }
  return url;
}

const defaultLookup = async (hostname: string) => dnsLookup(hostname, { all: true, order: 'verbatim' });

/** Looks the host up and checks every address it has; any refused address refuses the host. */
export async function resolveChecked(hostname: string, policy: OutboundPolicy): Promise<{ address: string; family: number }[]> {
  const literal = literalOf(hostname);
  const addresses = literal ? [{ address: literal, family: isIP(literal) }] : await (policy.lookup ?? defaultLookup)(hostname);
  if (addresses.length === 0) throw Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' });
  for (const { address } of addresses) {
    const cls = refusedAddress(address, policy);
    if (cls) throw new OutboundRefusedError(`${hostname} resolves to ${cls}`, `points to ${cls}`);
  }
  return addresses;
}

/**
 * Checks a URL all the way (scheme, literal, then every address its name has): for early answers in forms and
 * commands. Undefined when it passes or the name cannot be looked up now (publish time checks again); else
 * the reason, such as "points to a private network address".
 */
export async function outboundProblem(input: string, policy: OutboundPolicy, timeoutMs = 1_000): Promise<string | undefined> {
  try {
    const url = guardedUrl(input, policy);
    const lookup = resolveChecked(url.hostname, policy);
    lookup.catch(() => {});
    await Promise.race([lookup, new Promise((resolve) => setTimeout(resolve, timeoutMs).unref())]);
    return undefined;
  } catch (err) {
    return err instanceof OutboundRefusedError ? err.reason : undefined;
  }
}

/** The `connect.lookup` of the guarded agent: the only lookup for the connection, refusing what it must. */
export function guardedLookup(policy: OutboundPolicy): LookupFunction {
  return (hostname, options, callback) => {
    resolveChecked(hostname, policy).then(
      (addresses) => {
        if (options.all) return (callback as unknown as (err: null, all: { address: string; family: number }[]) => void)(null, addresses);
        const wanted = options.family === 4 || options.family === 6 ? addresses.find((a) => a.family === options.family) : addresses[0];
        const first = wanted ?? addresses[0]!;
        callback(null, first.address, first.family);
      },
      (err: Error) => callback(err as NodeJS.ErrnoException, '', 0),
    );
  };
}

const agents = new WeakMap<OutboundPolicy, Agent>();

/** The undici Agent for guarded requests under this policy (one per policy). */
export function guardedAgent(policy: OutboundPolicy): Agent {
  let agent = agents.get(policy);
  if (!agent) {
    agent = new Agent({ connect: { lookup: guardedLookup(policy) } });
    agents.set(policy, agent);
  }
  return agent;
}

let current: OutboundPolicy | undefined;

/**
 * The process's policy: set at start from the configuration (OUTBOUND_ALLOW_PRIVATE, NODE_ENV); before
 * that, read from the same variables so tools and tests that build adapters directly are guarded too.
 */
export function outboundPolicy(): OutboundPolicy {
  if (!current) {
    const allow = parseAllowList(process.env.OUTBOUND_ALLOW_PRIVATE);
    current = { httpsOnly: process.env.NODE_ENV === 'production', allowPrivate: allow.ok ? allow.cidrs : [] };
  }
  return current;
}

export function setOutboundPolicy(policy: OutboundPolicy): void {
  current = policy;
}

/** The refusal in an error's cause chain, if any. */
export function refusalIn(err: unknown): OutboundRefusedError | undefined {
  for (let e = err, depth = 0; e && depth < 6; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof OutboundRefusedError) return e;
  }
  return undefined;
}
