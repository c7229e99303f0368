/** JSON token helpers shared by the line scanner and its shape cache (bytes, no strings built). */

export const T_STRING = 1;
export const T_NUMBER = 2;
export const T_TRUE = 3;
export const T_FALSE = 4;
export const T_NULL = 5;
export const T_OBJECT = 6;
export const T_ARRAY = 7;

export const QUOTE = 0x22;
export const COLON = 0x3a;
export const COMMA = 0x2c;
export const OPEN_OBJECT = 0x7b;
export const CLOSE_OBJECT = 0x7d;
export const OPEN_ARRAY = 0x5b;
export const CLOSE_ARRAY = 0x5d;

const BACKSLASH = 0x5c;

/**
 * The index of the quote closing the string whose bytes start at `i`, or -1 when the string has an
 * escape or a control character, or does not end before `to`. (Two compares per common byte.)
 */
export function stringEnd(buf: Uint8Array, i: number, to: number): number {
  for (; i < to; i++) {
    const d = buf[i]!;
    if (d > QUOTE) {
      if (d === BACKSLASH) return -1;
      continue;
    }
    if (d === QUOTE) return i;
    if (d < 0x20) return -1;
  }
  return -1;
}

/**
 * stringEnd, four bytes at a time while none of them can end the string (a word test finds quote,
 * backslash and control bytes exactly), then byte by byte. `view` is a DataView over `buf`.
 */
export function stringEndWords(view: DataView<ArrayBufferLike>, buf: Uint8Array, i: number, to: number): number {
  while (i + 4 <= to) {
    const w = view.getInt32(i);
    const quote = w ^ 0x22222222;
    const backslash = w ^ 0x5c5c5c5c;
    // A byte below 0x20, a zero byte of w ^ '"', a zero byte of w ^ '\\' (exact as a test for "any").
    if ((((w - 0x20202020) & ~w) | ((quote - 0x01010101) & ~quote) | ((backslash - 0x01010101) & ~backslash)) & 0x80808080) break;
    i += 4;
  }
  return stringEnd(buf, i, to);
}

/** Bytes that end a literal (number, true, false, null). */
export const LITERAL_STOP = new Uint8Array(256);
for (const c of [COMMA, CLOSE_OBJECT, CLOSE_ARRAY, 0x20, 0x09, 0x0d, 0x0a]) LITERAL_STOP[c] = 1;

export function skipSpace(buf: Uint8Array, i: number, to: number): number {
  while (i < to) {
    const c = buf[i];
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d && c !== 0x0a) break;
    i++;
  }
  return i;
}

/** The JSON type of a literal, or 0 when it is not one (`true`, `false`, `null`, or a number). */
export function literalType(buf: Uint8Array, i: number, j: number): number {
  const c = buf[i]!;
  const len = j - i;
  if (c === 0x74) return len === 4 && buf[i + 1] === 0x72 && buf[i + 2] === 0x75 && buf[i + 3] === 0x65 ? T_TRUE : 0;
  if (c === 0x66) return len === 5 && buf[i + 1] === 0x61 && buf[i + 2] === 0x6c && buf[i + 3] === 0x73 && buf[i + 4] === 0x65 ? T_FALSE : 0;
  if (c === 0x6e) return len === 4 && buf[i + 1] === 0x75 && buf[i + 2] === 0x6c && buf[i + 3] === 0x6c ? T_NULL : 0;
  // -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?
  let k = i;
  if (buf[k] === 0x2d) k++;
  if (k >= j) return 0;
  if (buf[k] === 0x30) k++;
  else if (buf[k]! >= 0x31 && buf[k]! <= 0x39) while (k < j && buf[k]! >= 0x30 && buf[k]! <= 0x39) k++;
  else return 0;
  if (k < j && buf[k] === 0x2e) {
    k++;
    const digits = k;
    while (k < j && buf[k]! >= 0x30 && buf[k]! <= 0x39) k++;
    if (k === digits) return 0;
  }
  if (k < j && (buf[k] === 0x65 || buf[k] === 0x45)) {
    k++;
    if (k < j && (buf[k] === 0x2b || buf[k] === 0x2d)) k++;
    const digits = k;
    while (k < j && buf[k]! >= 0x30 && buf[k]! <= 0x39) k++;
    if (k === digits) return 0;
  }
  return k === j ? T_NUMBER : 0;
}
