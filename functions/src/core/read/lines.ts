/**
 * Cuts a byte stream into runs of whole lines without decoding them: a run is a span of a buffer
 * holding consecutive lines, so the scanner walks them in place (scanLines in scan.ts) with no
 * object per line. Never holds more than one line (bounded by `maxLineBytes`) plus one chunk in
 * memory. Handles a UTF-8 BOM and oversized lines that run across chunks (their bytes are dropped
 * and only their size is reported); CRLF ends and oversized lines inside a run are the scanner's.
 */
import { isUtf8 } from 'node:buffer';

/**
 * Whole lines [start, end) of `buf`, each ending with `\n` except the file's last one; or one line
 * that ran across chunks past the limit, of which only the size is kept.
 */
export type LineRun =
  | {
      buf: Buffer;
      start: number;
      end: number;
      /** True when the run is known to be valid UTF-8 (checked once for the whole run). */
      utf8: boolean;
      oversizeBytes?: undefined;
    }
  | { oversizeBytes: number };

/** Lines above this are skipped and counted; Cloud Logging entries are far smaller (256 KB max). */
export const DEFAULT_MAX_LINE_BYTES = 4 * 1024 * 1024;

const NEWLINE = 0x0a;

/** The length of the UTF-8 byte order mark `bytes` start with: 3, or 0 when they have none. */
export function bomLength(bytes: Uint8Array): number {
  return bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
}

/**
 * The runs of `chunks` in order. A chunk's lines are one run (a view of the chunk: read it before
 * asking for the next run, as the chunk may be reused); the line joining two chunks is a run of its
 * own (a copy).
 */
export async function* splitLines(chunks: AsyncIterable<Buffer | Uint8Array>, maxLineBytes = DEFAULT_MAX_LINE_BYTES, atFileStart = true): AsyncGenerator<LineRun> {
  /** The open line: bytes after the last newline so far (copied), or only its length once oversized. */
  let carry: Buffer[] = [];
  let carryBytes = 0;
  let oversize = false;
  /** A byte order mark may open the stream only where it starts the file. */
  let first = atFileStart;

  for await (const input of chunks) {
    let chunk = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
    if (first && chunk.length > 0) {
      first = false;
      const bom = bomLength(chunk);
      if (bom > 0) chunk = chunk.subarray(bom);
    }
    const firstNl = chunk.indexOf(NEWLINE);
    if (firstNl < 0) {
      // The whole chunk continues the open line.
      carryBytes += chunk.length;
      if (!oversize && carryBytes > maxLineBytes) {
        oversize = true;
        carry = [];
      }
      // Copy: the stream may reuse its buffer.
      if (!oversize && chunk.length > 0) carry.push(Buffer.from(chunk));
      continue;
    }
    let bodyStart = 0;
    if (carryBytes > 0 || oversize) {
      // The open line ends in this chunk.
      const total = carryBytes + firstNl;
      if (oversize || total > maxLineBytes) yield { oversizeBytes: total };
      else {
        const joined = Buffer.concat([...carry, chunk.subarray(0, firstNl)], total);
        yield { buf: joined, start: 0, end: total, utf8: false };
      }
      carry = [];
      carryBytes = 0;
      oversize = false;
      bodyStart = firstNl + 1;
    }
    const lastNl = chunk.lastIndexOf(NEWLINE);
    // The rest opens the next line: copied (oversized, only counted), since the chunk may be reused.
    const rest = chunk.length - lastNl - 1;
    if (rest > maxLineBytes) {
      oversize = true;
      carryBytes = rest;
    } else if (rest > 0) {
      carry = [Buffer.from(chunk.subarray(lastNl + 1))];
      carryBytes = rest;
    }
    // One UTF-8 check for the lines wholly in this chunk (valid bytes cut at newlines give valid lines).
    if (lastNl + 1 > bodyStart) yield { buf: chunk, start: bodyStart, end: lastNl + 1, utf8: isUtf8(chunk.subarray(bodyStart, lastNl + 1)) };
  }
  // The last line, without a newline.
  if (oversize) yield { oversizeBytes: carryBytes };
  else if (carryBytes > 0) {
    const buf = Buffer.concat(carry, carryBytes);
    yield { buf, start: 0, end: carryBytes, utf8: false };
  }
}
