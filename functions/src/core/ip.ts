import { BlockList, isIP } from 'node:net';

/** Address family of a literal, or 0 when it is not an IP address (e.g. the `private` token). */
export function ipFamily(value: string): 0 | 4 | 6 {
  return isIP(value) as 0 | 4 | 6;
}

/** Expands an IPv6 literal to its 8 hextets (numbers). Assumes `isIP(value) === 6`. */
function ipv6Hextets(value: string): number[] {
  let text = value.toLowerCase();
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two hextets.
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = text.slice(0, v4.index) + ((a << 8) | b).toString(16) + ':' + ((c << 8) | d).toString(16);
  }
  const [head = '', tail] = text.split('::');
  const headParts = head ? head.split(':') : [];
  const tailParts = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const missing = 8 - headParts.length - tailParts.length;
  const parts = tail === undefined ? headParts : [...headParts, ...Array<string>(missing).fill('0'), ...tailParts];
  return parts.map((p) => parseInt(p, 16));
}

/** The /64 network of an IPv6 address, e.g. `2001:db8:1:2::/64`. IPv6 clients rotate privacy addresses inside it. */
export function ipv6Slash64(value: string): string {
  const h = ipv6Hextets(value).slice(0, 4).map((n) => n.toString(16));
  return `${h.join(':')}::/64`;
}

/** The /`prefix` IPv4 network containing an address, e.g. `203.0.113.0/24`. */
export function ipv4Network(value: string, prefix: number): string {
  const n = value.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0);
  const size = 2 ** (32 - prefix);
  const base = Math.floor(n / size) * size;
  const octets = [24, 16, 8, 0].map((shift) => Math.floor(base / 2 ** shift) % 256);
  return `${octets.join('.')}/${prefix}`;
}

const internalRanges = new BlockList();
internalRanges.addSubnet('10.0.0.0', 8, 'ipv4');
internalRanges.addSubnet('172.16.0.0', 12, 'ipv4');
internalRanges.addSubnet('192.168.0.0', 16, 'ipv4');
internalRanges.addSubnet('100.64.0.0', 10, 'ipv4'); // shared address space, used by GKE and Cloud NAT
internalRanges.addSubnet('127.0.0.0', 8, 'ipv4');
internalRanges.addSubnet('169.254.0.0', 16, 'ipv4');
internalRanges.addSubnet('fc00::', 7, 'ipv6');
internalRanges.addSubnet('fe80::', 10, 'ipv6');
internalRanges.addSubnet('::1', 128, 'ipv6');

/** Dotted-quad IPv4 as a number, or -1 (fast: no allocation; the hot path of flow logs). */
function ipv4Number(value: string): number {
  let n = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || octet > 255) return -1;
      n = n * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57 && digits < 3) {
      octet = octet * 10 + (c - 48);
      digits++;
    } else return -1;
  }
  if (dots !== 3 || digits === 0 || octet > 255) return -1;
  return n * 256 + octet;
}

/** True for RFC 1918, shared, loopback, link-local and unique-local addresses. */
export function isInternalIp(value: string): boolean {
  const v4 = ipv4Number(value);
  if (v4 >= 0) {
    const a = Math.floor(v4 / 16777216);
    const b = Math.floor(v4 / 65536) % 256;
    return a === 10 || a === 127 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127) || (a === 169 && b === 254);
  }
  const family = ipFamily(value);
  if (family === 0) return false;
  return internalRanges.check(value, family === 4 ? 'ipv4' : 'ipv6');
}

/** Parses `a.b.c.d/n` or `x::/n`; undefined when malformed. */
export function parseCidr(text: string): { address: string; prefix: number; family: 4 | 6 } | undefined {
  const slash = text.lastIndexOf('/');
  if (slash < 0) return undefined;
  const address = text.slice(0, slash);
  const prefixText = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  const family = ipFamily(address);
  if (family === 0) return undefined;
  if (prefix > (family === 4 ? 32 : 128)) return undefined;
  return { address, prefix, family };
}

/**
 * CIDR ranges, each with a value: which of them, first added first, holds an address. IPv4 ranges
 * are kept by prefix length in maps of network numbers, so a lookup costs one map read per prefix
 * length in use, whatever the number of ranges (the bench's GCS baselines name 7,200 `cidr:` ranges,
 * most in pairs: building a BlockList for each took ~50 ms of start-up, and a lookup checked them
 * one by one). IPv6 ranges, rarer, keep a BlockList each, which also matches IPv4-mapped IPv6
 * addresses against IPv4 ranges as Node does.
 */
export class CidrIndex<T> {
  /** prefix length → network number → [insertion order, value] of the first range added for it. */
  private readonly v4 = new Map<number, Map<number, [number, T]>>();
  /** Every range in order, for IPv6 addresses; the IPv6 ones alone, for IPv4 addresses. */
  private readonly ranges: Range<T>[] = [];
  private readonly v6Ranges: Range<T>[] = [];

  /** Adds a range; false, and nothing added, when `cidr` is malformed. */
  add(cidr: string, value: T): boolean {
    const parsed = parseCidr(cidr);
    if (!parsed) return false;
    const range: Range<T> = { order: this.ranges.length, value, cidr: parsed };
    this.ranges.push(range);
    if (parsed.family === 6) {
      this.v6Ranges.push(range);
      return true;
    }
    let networks = this.v4.get(parsed.prefix);
    if (!networks) this.v4.set(parsed.prefix, (networks = new Map()));
    const network = Math.floor(ipv4Number(parsed.address) / 2 ** (32 - parsed.prefix));
    if (!networks.has(network)) networks.set(network, [range.order, value]);
    return true;
  }

  /** The value of the first-added range holding `address`, or undefined (also for a non-address). */
  find(address: string): T | undefined {
    if (this.ranges.length === 0) return undefined;
    // What Node takes for an address, no more: ipv4Number alone would read 010.0.0.1 as 10.0.0.1.
    const family = ipFamily(address);
    if (family === 0) return undefined;
    if (family === 6) return firstHolding(this.ranges, address, 'ipv6', Infinity)?.value;
    const v4 = ipv4Number(address);
    let best: [number, T] | undefined;
    for (const [prefix, networks] of this.v4) {
      const hit = networks.get(Math.floor(v4 / 2 ** (32 - prefix)));
      if (hit && (!best || hit[0] < best[0])) best = hit;
    }
    const v6 = this.v6Ranges.length > 0 ? firstHolding(this.v6Ranges, address, 'ipv4', best?.[0] ?? Infinity) : undefined;
    return v6 ? v6.value : best?.[1];
  }
}

interface Range<T> {
  order: number;
  value: T;
  cidr: { address: string; prefix: number; family: 4 | 6 };
  /** Built on the first lookup that needs it. */
  set?: BlockList;
}

/** The first of `ranges`, added before `before`, whose BlockList holds the address. */
function firstHolding<T>(ranges: readonly Range<T>[], address: string, type: 'ipv4' | 'ipv6', before: number): Range<T> | undefined {
  for (const range of ranges) {
    if (range.order >= before) return undefined;
    range.set ??= blockListOf(range.cidr);
    if (range.set.check(address, type)) return range;
  }
  return undefined;
}

function blockListOf(cidr: { address: string; prefix: number; family: 4 | 6 }): BlockList {
  const list = new BlockList();
  list.addSubnet(cidr.address, cidr.prefix, cidr.family === 4 ? 'ipv4' : 'ipv6');
  return list;
}
