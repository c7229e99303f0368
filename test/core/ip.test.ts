import { BlockList } from 'node:net';
import { describe, expect, it } from 'vitest';
import { rng } from '../../examples/scenario.js';
import { CidrIndex, parseCidr } from '../../functions/src/core/ip.js';

/** What CidrIndex replaces: one BlockList per range, checked in order, the first holding the address wins. */
function oracle(cidrs: readonly string[]): (address: string) => string | undefined {
  const lists = cidrs.flatMap((cidr) => {
    const parsed = parseCidr(cidr);
    if (!parsed) return [];
    const list = new BlockList();
    list.addSubnet(parsed.address, parsed.prefix, parsed.family === 4 ? 'ipv4' : 'ipv6');
    return [{ cidr, list }];
  });
  return (address) => lists.find(({ list }) => list.check(address, address.includes(':') ? 'ipv6' : 'ipv4'))?.cidr;
}

/** A random address inside an IPv4 range. */
function inside(cidr: string, next: () => number): string {
  const [address, prefix] = cidr.split('/') as [string, string];
  const size = 2 ** (32 - Number(prefix));
  const base = Math.floor(address.split('.').reduce((n, o) => n * 256 + Number(o), 0) / size) * size;
  const n = base + Math.floor(next() * size);
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

describe('CidrIndex', () => {
  it('finds the first-added range holding an address, as a BlockList per range does, on 300 random ranges and 5,000 addresses', () => {
    const next = rng(7);
    const pick = (n: number) => Math.floor(next() * n);
    // Three /8 networks, so nested and overlapping ranges of many prefix lengths occur.
    const octet = () => [10, 172, 198][pick(3)]!;
    const v4 = () => `${octet()}.${pick(256)}.${pick(256)}.${pick(256)}`;
    const cidrs = Array.from({ length: 300 }, () => `${v4()}/${[12, 16, 20, 24, 24, 24, 28, 31, 32, 32][pick(10)]}`);
    cidrs.push('2001:db8::/32', '::ffff:198.1.0.0/112', 'not-a-cidr', '10.0.0.0/33');
    const index = new CidrIndex<string>();
    for (const cidr of cidrs) index.add(cidr, cidr);
    const expectedFor = oracle(cidrs);
    const found = new Set<string | undefined>();
    for (let i = 0; i < 5_000; i++) {
      // Half inside a random range (often inside others too), the rest anywhere, some IPv6.
      const address = i % 50 === 0 ? `2001:db8:${pick(4)}::${pick(100)}` : i % 50 === 1 ? `::ffff:${v4()}` : i % 2 ? inside(cidrs[pick(300)]!, next) : v4();
      const expected = expectedFor(address);
      expect(index.find(address), address).toBe(expected);
      found.add(expected);
    }
    // Misses, and hits on many different ranges (not one wide range answering everything).
    expect(found.has(undefined)).toBe(true);
    expect(found.size).toBeGreaterThan(100);
  });

  it('prefers the range added first, whatever its prefix length', () => {
    const index = new CidrIndex<string>();
    index.add('198.51.100.0/24', 'narrow');
    index.add('198.51.0.0/16', 'wide');
    expect(index.find('198.51.100.7')).toBe('narrow');
    expect(index.find('198.51.7.7')).toBe('wide');
    const reversed = new CidrIndex<string>();
    reversed.add('198.51.0.0/16', 'wide');
    reversed.add('198.51.100.0/24', 'narrow');
    expect(reversed.find('198.51.100.7')).toBe('wide');
  });

  it('refuses malformed ranges and answers nothing for what is not an address', () => {
    const index = new CidrIndex<string>();
    expect(index.add('10.0.0.0/33', 'x')).toBe(false);
    expect(index.add('10.0.0/8', 'x')).toBe(false);
    expect(index.add('0.0.0.0/0', 'all')).toBe(true);
    // Only what Node takes for an address: no leading zeros (010.0.0.1 is not 10.0.0.1 to isIP).
    for (const text of ['private', '', '10.0.0', '1.2.3.4.5', '256.1.1.1', '010.0.0.1', '1.2.3.04']) expect(index.find(text), text).toBeUndefined();
    expect(index.find('203.0.113.9')).toBe('all');
  });
});
