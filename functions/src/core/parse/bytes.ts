/** Byte compares in place, eight bytes at a time (DataView reads compile to plain loads). */

let viewed: Uint8Array | undefined;
let view: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));

/** A DataView over `bytes`, made once per buffer while the same buffer is read line after line. */
export function viewOf(bytes: Uint8Array): DataView<ArrayBufferLike> {
  if (bytes !== viewed) {
    viewed = bytes;
    view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  return view;
}

/** A DataView over a private copy of `bytes`. */
export function ownView(bytes: Uint8Array): DataView<ArrayBuffer> {
  const copy = Uint8Array.from(bytes);
  return new DataView(copy.buffer);
}

/**
 * True when `length` bytes of `a` from `aStart` equal those of `b` from `bStart`. Eight bytes at a
 * time as doubles: two doubles compare equal only when their bits are equal, except NaNs (never
 * equal: a false "different", and callers then take their slower path) and ±0 (seven or eight 0x00
 * bytes, which JSON text never holds) — so a "same" is always exact. The last eight bytes are one
 * compare overlapping the words before them; 4 to 7 bytes are two overlapping four-byte compares.
 * Read little-endian, the machine's order: equality does not depend on byte order, and no swap is paid.
 */
export function sameBytes(a: DataView<ArrayBufferLike>, aStart: number, b: DataView<ArrayBufferLike>, bStart: number, length: number): boolean {
  if (length >= 8) {
    // Whole words, then the last eight bytes (overlapping the last word): no byte-by-byte tail.
    const last = length - 8;
    for (let i = 0; i < last; i += 8) if (a.getFloat64(aStart + i, true) !== b.getFloat64(bStart + i, true)) return false;
    return a.getFloat64(aStart + last, true) === b.getFloat64(bStart + last, true);
  }
  if (length >= 4) return a.getUint32(aStart, true) === b.getUint32(bStart, true) && a.getUint32(aStart + length - 4, true) === b.getUint32(bStart + length - 4, true);
  for (let i = 0; i < length; i++) if (a.getUint8(aStart + i) !== b.getUint8(bStart + i)) return false;
  return true;
}
