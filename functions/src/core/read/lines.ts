/**
 * Splits a byte stream into lines without decoding them: each line is a span of a buffer, so the
 * fast path can read it in place. Never holds more than one line (bounded by `maxLineBytes`) plus
 * one chunk in memory. Handles a UTF-8 BOM, CRLF line ends and oversized lines (skipped, reported
 * with their size).
 */
import { isUtf8 } from 'node:buffer';

export type RawLine =
  | {
      number: number;
      buf: Buffer;
      start: number;
      end: number;
      /** True when the line is known to be valid UTF-8 (its whole chunk was checked at once). */
      utf8: boolean;
    }
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

  /** The line ending at `end` of `chunk` (from `start`), joined with any carried bytes. */
  const finish = (chunk: Buffer, start: number, end: number, chunkUtf8: boolean): RawLine => {
    lineNumber++;
    const total = carryBytes + (end - start);
    if (oversize || total > maxLineBytes) {
      const line = { number: lineNumber, oversizeBytes: total };
      carry = [];
      carryBytes = 0;
      oversize = false;
      return line;
    }
    let buf = chunk;
    let s = start;
    let e = end;
    let utf8 = chunkUtf8;
    if (carry.length > 0) {
      utf8 = false;
      buf = Buffer.concat([...carry, chunk.subarray(start, end)], total);
      s = 0;
      e = total;
      carry = [];
      carryBytes = 0;
    }
    if (e > s && buf[e - 1] === CR) e--;
    return { number: lineNumber, buf, start: s, end: e, utf8 };
  };

  for await (const input of chunks) {
    let chunk = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
    if (first && chunk.length > 0) {
      first = false;
      if (chunk.length >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) chunk = chunk.subarray(3);
    }
    const out: RawLine[] = [];
    // One check for the lines that lie wholly in this chunk (valid bytes cut at newlines give valid
    // lines); the first line is joined with carried bytes and is checked on its own.
    const lastNl = chunk.lastIndexOf(NEWLINE);
    const whole = carryBytes > 0 || oversize ? chunk.indexOf(NEWLINE) + 1 : 0;
    const chunkUtf8 = lastNl >= whole && isUtf8(chunk.subarray(whole, lastNl));
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(NEWLINE, start);
      if (nl < 0) {
        const rest = chunk.length - start;
        if (oversize) carryBytes += rest;
        else if (carryBytes + rest > maxLineBytes) {
          oversize = true;
          carry = [];
          carryBytes += rest;
        } else if (rest > 0) {
          // Copy: the stream may reuse its buffer.
          carry.push(Buffer.from(chunk.subarray(start)));
          carryBytes += rest;
        }
        break;
      }
      out.push(finish(chunk, start, nl, chunkUtf8));
      start = nl + 1;
    }
    if (out.length > 0) yield out;
  }
  if (carryBytes > 0 || oversize) yield [finish(Buffer.alloc(0), 0, 0, false)];
}
