/**
 * The JSON report as text, in pieces: exactly the bytes of `JSON.stringify(report, null, 2)` and a
 * newline, but never all of them in one string. A flood's 10,000 findings make ~10 MB of JSON, and
 * V8 builds one JSON.stringify result in a buffer that it grows by doubling outside the heap: at
 * the end of the million-line flood that buffer (50 MB at its largest, heaptrack) was the run's
 * peak memory. Here each finding is stringified on its own and the pieces are written as they come.
 */
import type { AuditReport } from './audit-report.js';

/** A piece is yielded once it holds this many characters (or at the end). */
const PIECE_CHARS = 64 * 1024;

/**
 * Yields the report's JSON text in pieces of about PIECE_CHARS characters, each ending at a finding's
 * end or at a top-level member's (so no character is ever split between two pieces).
 */
export function* reportJsonPieces(report: AuditReport, pieceChars = PIECE_CHARS): Generator<string> {
  // What JSON.stringify writes of an object: members whose values are not undefined, functions or
  // symbols. (The report is plain data: no toJSON methods.)
  const members = Object.entries(report).filter(([, value]) => value !== undefined && typeof value !== 'function' && typeof value !== 'symbol');
  if (members.length === 0) {
    yield '{}\n';
    return;
  }
  let piece = '{\n';
  for (const [index, [key, value]] of members.entries()) {
    const comma = index < members.length - 1 ? ',\n' : '\n';
    piece += `  ${JSON.stringify(key)}: `;
    if (key !== 'findings' || !Array.isArray(value) || value.length === 0) {
      piece += indented(JSON.stringify(value, null, 2), '  ') + comma;
      continue;
    }
    piece += '[\n';
    for (const [i, finding] of (value as unknown[]).entries()) {
      // An array's undefined (or function) element is written as null, as JSON.stringify does.
      piece += `    ${indented(JSON.stringify(finding, null, 2) ?? 'null', '    ')}${i < value.length - 1 ? ',\n' : '\n'}`;
      if (piece.length >= pieceChars) {
        yield piece;
        piece = '';
      }
    }
    piece += `  ]${comma}`;
  }
  yield `${piece}}\n`;
}

/** `json` (JSON.stringify's output: a newline only ever between members) with `pad` after each newline. */
function indented(json: string, pad: string): string {
  return json.replaceAll('\n', `\n${pad}`);
}
