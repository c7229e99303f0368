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
 * bytes, which JSON text never holds) — so a "same" is always exact. Then four bytes, then bytes.
 * Read little-endian, the machine's order: equality does not depend on byte order, and no swap is paid.
 */
export function sameBytes(a: DataView<ArrayBufferLike>, aStart: number, b: DataView<ArrayBufferLike>, bStart: number, length: number): boolean {
  let i = 0;
  for (; i + 8 <= length; i += 8) if (a.getFloat64(aStart + i, true) !== b.getFloat64(bStart + i, true)) return false;
  for (; i + 4 <= length; i += 4) if (a.getUint32(aStart + i, true) !== b.getUint32(bStart + i, true)) return false;
  for (; i < length; i++) if (a.getUint8(aStart + i) !== b.getUint8(bStart + i)) return false;
  return true;
}
