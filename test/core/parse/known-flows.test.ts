/**
 * The flow identity cache returns a remembered value only for the same shape, orientation and value
 * bytes — whatever the key it is asked with — and a flow is remembered from its second sighting, a
 * flood of one-off identities almost never.
 */
import { describe, expect, it } from 'vitest';
import { viewOf } from '../../../functions/src/core/parse/bytes.js';
import { KnownFlows } from '../../../functions/src/core/parse/known-flows.js';
import { LineScanner } from '../../../functions/src/core/parse/line-scanner.js';
import type { Shape } from '../../../functions/src/core/parse/line-shapes.js';

const scanner = new LineScanner(['ip', 'pod', 'port']);

/** Scans `text` until it matches a known shape; returns the line's buffer and its shape. */
function matched(text: string): { buf: Buffer; shape: Shape } {
  const buf = Buffer.from(text);
  for (let i = 0; i < 3; i++) {
    expect(scanner.scan(buf)).toBe(true);
    if (scanner.shape) return { buf, shape: scanner.shape };
  }
  throw new Error(`no shape for ${text}`);
}

describe('known flows', () => {
  const identity = Int32Array.from([0, 1]); // the ip and pod values

  it('remember an identity on its second sighting, and find it by its own key', () => {
    const flows = new KnownFlows<string>();
    const { buf, shape } = matched('{"ip":"10.0.0.1","pod":"web-1","port":443}');
    const view = viewOf(buf);
    const key = flows.key(view, scanner, shape, 443, identity);
    expect(flows.seenBefore(key)).toBe(false);
    expect(flows.seenBefore(key)).toBe(true);
    flows.remember(key, buf, scanner, shape, 443, identity, 'web-1 → 443');
    expect(flows.get(key, view, scanner, shape, 443, identity)).toBe('web-1 → 443');
    expect(flows.cached).toBe(1);
  });

  it('take almost no line of a flood of one-off identities for a second sighting', () => {
    const flows = new KnownFlows<string>();
    // 600,000 distinct keys, as a scan from as many addresses hashes (30-bit, uniformly spread).
    let state = 12345;
    const seen = new Set<number>();
    let repeats = 0;
    while (seen.size < 600_000) {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      const key = (state ^ (state >>> 16)) >>> 2;
      if (seen.has(key)) continue;
      seen.add(key);
      if (flows.seenBefore(key)) repeats++;
    }
    // Only a key equal to the one noted at its entry repeats: about 1 in 4,096 (a bit per key: ~25%).
    expect(repeats).toBeLessThan(600);
    // A real repeat is still seen.
    expect(flows.seenBefore(77)).toBe(false);
    expect(flows.seenBefore(77)).toBe(true);
  });

  it('admit identities on their first sighting while they repeat, and only on their second once a flood shows they do not', () => {
    const repeating = new KnownFlows<string>();
    // A cluster: lines of 20,000 identities in random order, each seen ~4 times. Every miss is
    // admitted at once, so each identity is built once.
    let state = 99;
    let refused = 0;
    for (let n = 0; n < 80_000; n++) {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      const i = (state >>> 8) % 20_000;
      const { buf, shape } = matched(`{"ip":"10.0.${i >> 8}.${i & 255}","pod":"web","port":443}`);
      const view = viewOf(buf);
      const key = repeating.key(view, scanner, shape, 443, identity);
      if (repeating.get(key, view, scanner, shape, 443, identity) !== undefined) continue;
      if (repeating.admit(key)) repeating.remember(key, buf, scanner, shape, 443, identity, `pod ${i}`);
      else refused++;
    }
    expect(refused).toBe(0);
    expect(repeating.cached).toBeGreaterThan(19_500);

    // A flood: nothing is found again, so after the first check only second sightings are admitted.
    const flood = new KnownFlows<string>();
    let admitted = 0;
    for (let i = 0; i < 100_000; i++) {
      const { buf, shape } = matched(`{"ip":"203.0.${i >> 8}.${i & 255}","pod":"scan-${i}","port":6379}`);
      const view = viewOf(buf);
      const key = flood.key(view, scanner, shape, 6379, identity);
      if (flood.get(key, view, scanner, shape, 6379, identity) === undefined && flood.admit(key)) {
        admitted++;
        flood.remember(key, buf, scanner, shape, 6379, identity, `scan ${i}`);
      }
    }
    // The first 16,384, and then almost none.
    expect(admitted).toBeGreaterThanOrEqual(16_384);
    expect(admitted).toBeLessThan(16_384 + 100);
  });

  it('give distinct identities distinct keys, however alike their bytes (a scan of consecutive addresses)', () => {
    const flows = new KnownFlows<string>();
    const keys = new Set<number>();
    const n = 200_000;
    for (let i = 0; i < n; i++) {
      const { buf, shape } = matched(`{"ip":"203.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}","pod":"10.120.0.4","port":6379}`);
      keys.add(flows.key(viewOf(buf), scanner, shape, 6379, identity));
    }
    // Random 30-bit keys would collide ~19 times here; the multiply-only (FNV) step collided 14,608 times.
    expect(n - keys.size).toBeLessThan(200);
  });

  it('keep four identities per set of the table, a fifth replacing the one remembered first', () => {
    const flows = new KnownFlows<string>();
    // Six keys of one set (equal low 16 bits: the table has 2^16 sets).
    const keys = [0, 1, 2, 3, 4, 5].map((n) => 7 + (n << 16));
    const line = (n: number) => matched(`{"ip":"10.0.0.1","pod":"web-${n + 1}","port":443}`);
    const remember = (n: number) => {
      const { buf, shape } = line(n);
      flows.remember(keys[n]!, buf, scanner, shape, 443, identity, `web-${n + 1}`);
    };
    const get = (n: number) => {
      const { buf, shape } = line(n);
      return flows.get(keys[n]!, viewOf(buf), scanner, shape, 443, identity);
    };
    for (let n = 0; n < 4; n++) remember(n);
    expect([0, 1, 2, 3].map(get)).toEqual(['web-1', 'web-2', 'web-3', 'web-4']);
    expect(flows.cached).toBe(4);
    // Used last or not, the first remembered goes first, then the second.
    expect(get(0)).toBe('web-1');
    remember(4);
    expect([0, 1, 2, 3, 4].map(get)).toEqual([undefined, 'web-2', 'web-3', 'web-4', 'web-5']);
    remember(5);
    expect([1, 2, 3, 4, 5].map(get)).toEqual([undefined, 'web-3', 'web-4', 'web-5', 'web-6']);
    expect(flows.cached).toBe(4);
  });

  it('find each of two identities that share a key', () => {
    const flows = new KnownFlows<string>();
    const a = matched('{"ip":"10.0.0.1","pod":"web-1","port":443}');
    const b = matched('{"ip":"10.0.0.2","pod":"web-2","port":443}');
    // Both remembered under one key, as a 30-bit collision would have them.
    flows.remember(42, a.buf, scanner, a.shape, 443, identity, 'web-1');
    flows.remember(42, b.buf, scanner, b.shape, 443, identity, 'web-2');
    expect(flows.get(42, viewOf(b.buf), scanner, b.shape, 443, identity)).toBe('web-2');
    expect(flows.get(42, viewOf(a.buf), scanner, a.shape, 443, identity)).toBe('web-1');
  });

  it('never return one identity for another: other bytes, another orientation, another shape, a colliding key', () => {
    const flows = new KnownFlows<string>();
    const first = matched('{"ip":"10.0.0.1","pod":"web-1","port":443}');
    const key = flows.key(viewOf(first.buf), scanner, first.shape, 443, identity);
    flows.remember(key, first.buf, scanner, first.shape, 443, identity, 'web-1');

    // One byte off in a value (same length, same shape), asked with the remembered key as a collision would be.
    const other = matched('{"ip":"10.0.0.1","pod":"web-2","port":443}');
    expect(other.shape).toBe(first.shape);
    expect(flows.get(key, viewOf(other.buf), scanner, other.shape, 443, identity)).toBeUndefined();
    // A longer value.
    const longer = matched('{"ip":"10.0.0.1","pod":"web-10","port":443}');
    expect(flows.get(key, viewOf(longer.buf), scanner, longer.shape, 443, identity)).toBeUndefined();
    // The same bytes, another orientation.
    const same = matched('{"ip":"10.0.0.1","pod":"web-1","port":443}');
    expect(flows.get(key, viewOf(same.buf), scanner, same.shape, 0x20000 | 443, identity)).toBeUndefined();
    expect(flows.get(key, viewOf(same.buf), scanner, same.shape, 443, identity)).toBe('web-1');
    // The same values in a line of another shape.
    const spaced = matched('{"ip":"10.0.0.1", "pod":"web-1","port":443}');
    expect(spaced.shape).not.toBe(first.shape);
    expect(flows.get(key, viewOf(spaced.buf), scanner, spaced.shape, 443, identity)).toBeUndefined();
  });
});
