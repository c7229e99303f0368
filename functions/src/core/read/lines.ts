/**
 * Splits a byte stream into lines without ever holding more than one line (bounded by
 * `maxLineBytes`) plus one chunk in memory. Handles a UTF-8 BOM, CRLF line ends, invalid UTF-8
 * (decoded with U+FFFD and flagged) and oversized lines (skipped, reported with their size).
 */
import { isUtf8 } from 'node:buffer';

export type RawLine =
  | { number: number; text: string; invalidUtf8: boolean }
  | { number: number; oversizeBytes: number };

/** Lines above this are skipped and counted; Cloud Logging entries are far smaller (256 KB max). */
export const DEFAULT_MAX_LINE_BYTES = 4 * 1024 * 1024;

const NEWLINE = 0x0a;
const CR = 0x0d;

export async function* splitLines(chunks: AsyncIterable<Buffer | Uint8Array>, maxLineBytes = DEFAULT_MAX_LINE_BYTES): AsyncGenerator<RawLine[]> {
  let carry: Buffer[] = [];
  let carryBytes = 0;
  let oversize = false; // inside a line already known to be too long: its bytes are discarded
  let lineNumber = 0;
  let first = true;

  const finish = (piece: Buffer): RawLine => {
    lineNumber++;
    const total = carryBytes + piece.length;
    if (oversize || total > maxLineBytes) {
      const line = { number: lineNumber, oversizeBytes: total };
      carry = [];
      carryBytes = 0;
      oversize = false;
      return line;
    }
    let bytes = carry.length === 0 ? piece : Buffer.concat([...carry, piece], total);
    carry = [];
    carryBytes = 0;
    if (bytes.length > 0 && bytes[bytes.length - 1] === CR) bytes = bytes.subarray(0, bytes.length - 1);
    const valid = isUtf8(bytes);
    return { number: lineNumber, text: bytes.toString('utf8'), invalidUtf8: !valid };
  };

  for await (const input of chunks) {
    let chunk = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
    if (first && chunk.length > 0) {
      first = false;
      if (chunk.length >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) chunk = chunk.subarray(3);
    }
    const out: RawLine[] = [];
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(NEWLINE, start);
      if (nl < 0) {
        const rest = chunk.subarray(start);
        if (oversize) carryBytes += rest.length;
        else if (carryBytes + rest.length > maxLineBytes) {
          oversize = true;
          carry = [];
          carryBytes += rest.length;
        } else if (rest.length > 0) {
          // Copy: the stream may reuse its buffer.
          carry.push(Buffer.from(rest));
          carryBytes += rest.length;
        }
        break;
      }
      out.push(finish(chunk.subarray(start, nl)));
      start = nl + 1;
    }
    if (out.length > 0) yield out;
  }
  if (carryBytes > 0 || oversize) yield [finish(Buffer.alloc(0))];
}
