/**
 * The line scanner's shape cache gives exactly what a full scan gives, including where two shapes
 * share a beginning and one constant part is a prefix of another (a number where a string was).
 */
import { describe, expect, it } from 'vitest';
import { LineScanner } from '../../../functions/src/core/parse/line-scanner.js';
import { LineShapes } from '../../../functions/src/core/parse/line-shapes.js';
import { stringEnd, stringEndWords } from '../../../functions/src/core/parse/json-tokens.js';
import { sameBytes } from '../../../functions/src/core/parse/bytes.js';

const PATHS = ['a', 'b', 'c.d', 'c.e[0]', 'c.e[*]', 'f'];

/** What the scanner records per slot; positions from `shape` when given (a match of that LineShapes). */
function snapshot(scanner: LineScanner, shape?: { shapes: LineShapes; matched: NonNullable<ReturnType<LineShapes['match']>> }) {
  const startOf = (slot: number) => (shape ? shape.shapes.startOf(shape.matched, slot) : scanner.startOf(slot));
  const endOf = (slot: number) => (shape ? shape.shapes.endOf(shape.matched, slot) : scanner.endOf(slot));
  return PATHS.map((_, slot) => ({
    count: scanner.count[slot],
    ...(scanner.count[slot]! > 0 ? { type: scanner.type[slot], start: startOf(slot), end: endOf(slot), types: scanner.types[slot], trues: scanner.trues[slot] } : {}),
  }));
}

const LINES = [
  '{"a":1,"b":"x","c":{"d":"y","e":[true,false,true]}}',
  '{"a":"1","b":"x","c":{"d":"y","e":[true,false,true]}}',
  '{"a":12345,"b":"","c":{"d":"yy","e":[true,false,true]}}',
  '{"a":"","b":"xyz","c":{"d":"","e":[true,false,true]}}',
  '{"a":1,"b":"x","c":{"d":"y","e":[false]}}',
  '{"a":-1.5e3,"b":"x","c":{"d":"y","e":[]},"f":null}',
  '{"a":1,"b":"x","c":{"d":"y","e":[true,false,true]},"f":{"g":[1,{"h":"i"}]}}',
];

describe('line shapes', () => {
  it('match a line only where a full scan agrees, whichever shapes are known', () => {
    const shapes = new LineScanner(PATHS);
    const full = new LineScanner(PATHS);
    for (let round = 0; round < 3; round++) {
      for (const line of [...LINES, ...LINES.slice().reverse()]) {
        const padded = Buffer.from(` ${line}x`); // a span inside a larger buffer
        const ok = shapes.scan(padded, 1, padded.length - 1);
        expect(full.scanFully(padded, 1, padded.length - 1)).toBe(ok);
        expect(snapshot(shapes), `round ${round}: ${line}`).toEqual(snapshot(full));
      }
    }
  });

  it('refine unchanging values into constants, and still decide lines where such a value changes', () => {
    const scanner = new LineScanner(PATHS);
    const shapes = new LineShapes();
    const full = new LineScanner(PATHS);
    const line = (a: number | string, b = 'x', d = 'yz', f = `"v${a}"`) => `{"a":${a},"b":"${b}","c":{"d":"${d}","e":[true,false,true]},"f":${f}}`;
    const lines = [
      ...Array.from({ length: 40 }, (_, i) => line(i)), // a and f change, b and d do not: refined after 32
      line(41, 'changed'), // a refined value changed: the general shape
      line(42, 'x', ''),
      line(43, 'x', 'yz', '"\\u0041"'), // an escape: neither shape
      line(44, 'x', 'yz', '17'), // a number where a string was: neither shape
      line(45),
      line('"s"', 'x', 'yz', '"w"'), // a string where a number was: a shape of its own
    ];
    let matched = 0;
    for (const text of lines) {
      const padded = Buffer.from(` ${text}x`);
      const ok = full.scanFully(padded, 1, padded.length - 1);
      const shape = shapes.match(padded, 1, padded.length - 1, scanner);
      if (shape) {
        matched++;
        expect(ok).toBe(true);
        expect(snapshot(scanner, { shapes, matched: shape }), text).toEqual(snapshot(full));
      } else if (ok) {
        scanner.scanFully(padded, 1, padded.length - 1);
        shapes.learn(padded, 1, padded.length - 1, scanner);
      }
    }
    // One general shape learned from the first line, one refined; then the shapes of the odd lines.
    expect(matched).toBe(42);
    expect(shapes.size).toBe(4);
  });

  it('refuses a value of another kind or with bad bytes where a shape has one', () => {
    const scanner = new LineScanner(PATHS);
    expect(scanner.scan(Buffer.from('{"a":1,"b":"x"}'))).toBe(true);
    for (const bad of ['{"a":01,"b":"x"}', '{"a":1,"b":"x\u0001"}', '{"a":1,"b":"x\\"}', '{"a":1x,"b":"x"}', '{"a":1,"b":"x"} {', '{"a":1,"b":"x"']) {
      expect(scanner.scan(Buffer.from(bad)), bad).toBe(false);
    }
    expect(scanner.scan(Buffer.from('{"a":22,"b":"yz"}'))).toBe(true);
    expect(scanner.count[0]).toBe(1);
  });

  it('finds string ends four bytes at a time exactly where the byte-by-byte search does', () => {
    // Every stop byte (quote, backslash, each control byte) at every offset of strings up to 13
    // bytes, next to ASCII and UTF-8 bytes, from every alignment.
    const stops = [0x22, 0x5c, ...Array.from({ length: 0x20 }, (_, c) => c)];
    const fillers = [0x61, 0x7f, 0x80, 0xc3, 0xff, 0x21, 0x23, 0x5b, 0x5d, 0x20];
    let cases = 0;
    for (const filler of fillers) {
      for (let length = 0; length <= 13; length++) {
        for (let at = 0; at <= length; at++) {
          for (const stop of stops) {
            // A closing quote after the string, so a missed stop byte would change the answer.
            const bytes = new Uint8Array(length + 4).fill(filler);
            if (at < length) bytes[at] = stop;
            bytes[length] = 0x22;
            for (let from = 0; from < 3; from++) {
              const view = new DataView(bytes.buffer);
              expect(stringEndWords(view, bytes, from, length + 1)).toBe(stringEnd(bytes, from, length + 1));
              cases++;
            }
          }
        }
      }
    }
    expect(cases).toBeGreaterThan(10_000);
  });

  it('compares bytes eight at a time without ever calling different bytes the same', () => {
    // Patterns that read as NaN doubles (0x7f 0xf8 …) and as ±0 included; every single-byte change.
    const patterns = [[0x61], [0x7f, 0xf8, 0, 0, 0, 0, 0, 1], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], [0x80, 0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0], [0x22, 0x3a, 0x7b]];
    for (const pattern of patterns) {
      for (let length = 0; length <= 20; length++) {
        const a = Uint8Array.from({ length: length + 5 }, (_, i) => pattern[i % pattern.length]!);
        const b = Uint8Array.from({ length: length + 5 }, (_, i) => pattern[(i + 2) % pattern.length]!);
        b.set(a.subarray(0, length), 2); // b[2..] holds a's first `length` bytes
        const va = new DataView(a.buffer);
        const vb = new DataView(b.buffer);
        // Equal bytes are "same", except runs of the 8-byte NaN and ±0 patterns, which may be "different".
        if (pattern.length !== 8) expect(sameBytes(va, 0, vb, 2, length)).toBe(true);
        for (let at = 0; at < length; at++) {
          const c = Uint8Array.from(b);
          c[2 + at] = c[2 + at]! ^ 0x01;
          expect(sameBytes(va, 0, new DataView(c.buffer), 2, length), `${pattern} ${length} ${at}`).toBe(false);
        }
      }
    }
  });
});
