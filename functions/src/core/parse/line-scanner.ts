/**
 * One pass over a JSON line without building objects: checks that the line is exactly one JSON
 * object (the grammar JSON.parse accepts, for lines without escapes) and records where the values
 * of a fixed set of paths (`jsonPayload.connection.src_ip`, `protoPayload.authorizationInfo[*].granted`,
 * …) are, and their JSON type.
 *
 * - Paths form a trie. A key is matched against its parent's children by an exact byte compare,
 *   found through a small table indexed by (parent, length, first and last byte): no per-byte
 *   hashing, and no hash can ever confuse two keys. Everything under a key that leads nowhere
 *   wanted is still validated, but nothing is looked up or recorded there.
 * - Array items are `[0]` (the first) and `[*]` (every later one).
 * - A string with a backslash or a raw control character refuses the line (`scan` returns false):
 *   escapes are left to the full parser, and control characters are not JSON.
 * - When a path occurs more than once (duplicate keys) the last one's position wins, as with
 *   JSON.parse, and `count` says so: readers refuse such values.
 * - Lines shaped like a recent line (line-shapes.ts) are matched against that shape instead: the
 *   same result, from a compare of the constant bytes and a check of each variable value; positions
 *   are then worked out only for the slots read (startOf/endOf).
 */

import { CLOSE_ARRAY, CLOSE_OBJECT, COLON, COMMA, literalType, LITERAL_STOP, OPEN_ARRAY, OPEN_OBJECT, QUOTE, skipSpace, stringEndWords, T_ARRAY, T_NUMBER, T_OBJECT, T_STRING, T_TRUE } from './json-tokens.js';
import { LineShapes, type Shape } from './line-shapes.js';
import { viewOf } from './bytes.js';

const MAX_DEPTH = 24;
const KEY_TABLE_SIZE = 1024;
/** Variable values remembered per line for learning its shape; longer lines are scanned, not learned. */
const MAX_TAPE = 512;

const NONE = -1;
const ROOT = 0;

function keyHash(parent: number, length: number, first: number, last: number): number {
  return (Math.imul(parent + 1, 0x9e3779b1) ^ Math.imul(length, 0x85ebca6b) ^ (first << 7) ^ (last << 1)) & (KEY_TABLE_SIZE - 1);
}

export class LineScanner {
  /** Per trie node: the slot recorded there (or NONE) and its array-item children. */
  private readonly nodeSlot: number[] = [NONE];
  private readonly firstItem: number[] = [NONE];
  private readonly laterItem: number[] = [NONE];
  /** Key table: open addressing over (parent, key bytes) → child node. */
  private readonly keyParent = new Int32Array(KEY_TABLE_SIZE).fill(NONE);
  private readonly keyChild = new Int32Array(KEY_TABLE_SIZE);
  private readonly keyBytes: Uint8Array[] = new Array<Uint8Array>(KEY_TABLE_SIZE);
  /** Per slot: value start and end (exclusive) in the last line scanned in full (read startOf/endOf). */
  readonly fullStart: Int32Array;
  readonly fullEnd: Int32Array;
  /**
   * Per slot, for the last line scanned: type, how many times it occurred, bit mask of the types seen
   * (1 << T_…), and how many values were `true`. Read-only for callers: after a full scan these are
   * the scanner's own arrays, after a shape match the shape's snapshots (shared, not copied).
   */
  type: Uint8Array;
  count: Int32Array;
  types: Int32Array;
  trues: Int32Array;
  /** The full scan's own arrays for the four above. */
  private readonly ownType: Uint8Array;
  private readonly ownCount: Int32Array;
  private readonly ownTypes: Int32Array;
  private readonly ownTrues: Int32Array;
  /** Per slot: tape index of its last value when that was a string or number, else -1. */
  readonly lastValue: Int32Array;
  /** The tape of variable values (string contents and numbers) of the last full scan, for learning shapes. */
  readonly tapeStart = new Int32Array(MAX_TAPE);
  readonly tapeEnd = new Int32Array(MAX_TAPE);
  readonly tapeKind = new Uint8Array(MAX_TAPE);
  /** Values on the tape, or -1 when the line had more than it holds (then no shape is learned). */
  tapeLength = 0;
  private readonly shapes = new LineShapes();
  /**
   * The shape the last line matched, or undefined when it was scanned in full. Lines of one shape
   * differ only in their variable values (valueStart/valueEnd; which lie in a slot: shape.valuesIn).
   */
  shape: Shape | undefined;
  /** A DataView over the buffer being scanned (strings are searched four bytes at a time). */
  private view: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));

  constructor(readonly paths: readonly string[]) {
    const n = paths.length;
    this.fullStart = new Int32Array(n);
    this.fullEnd = new Int32Array(n);
    this.type = this.ownType = new Uint8Array(n);
    this.count = this.ownCount = new Int32Array(n);
    this.types = this.ownTypes = new Int32Array(n);
    this.trues = this.ownTrues = new Int32Array(n);
    this.lastValue = new Int32Array(n);
    paths.forEach((path, slot) => {
      let node = ROOT;
      for (const part of path.split('.')) {
        const item = /^(.*)\[(0|\*)\]$/.exec(part);
        node = this.child(node, item ? item[1]! : part);
        if (item) node = this.item(node, item[2] === '0');
      }
      if (this.nodeSlot[node] !== NONE) throw new Error(`LineScanner: path listed twice: ${path}`);
      this.nodeSlot[node] = slot;
    });
  }

  private newNode(): number {
    this.nodeSlot.push(NONE);
    this.firstItem.push(NONE);
    this.laterItem.push(NONE);
    return this.nodeSlot.length - 1;
  }

  private child(parent: number, key: string): number {
    const bytes = Buffer.from(key, 'utf8');
    const found = this.lookupKey(parent, bytes, 0, bytes.length);
    if (found !== NONE) return found;
    const node = this.newNode();
    let i = keyHash(parent, bytes.length, bytes[0] ?? 0, bytes[bytes.length - 1] ?? 0);
    while (this.keyParent[i] !== NONE) i = (i + 1) & (KEY_TABLE_SIZE - 1);
    this.keyParent[i] = parent;
    this.keyChild[i] = node;
    this.keyBytes[i] = bytes;
    return node;
  }

  private item(parent: number, first: boolean): number {
    const items = first ? this.firstItem : this.laterItem;
    if (items[parent] === NONE) items[parent] = this.newNode();
    return items[parent]!;
  }

  /** The child of `parent` named by the bytes [from, to) of `buf`, or NONE. */
  private lookupKey(parent: number, buf: Uint8Array, from: number, to: number): number {
    const length = to - from;
    let i = keyHash(parent, length, length > 0 ? buf[from]! : 0, length > 0 ? buf[to - 1]! : 0);
    for (;;) {
      const p = this.keyParent[i]!;
      if (p === NONE) return NONE;
      if (p === parent) {
        const bytes = this.keyBytes[i]!;
        if (bytes.length === length) {
          let x = 0;
          while (x < length && bytes[x] === buf[from + x]) x++;
          if (x === length) return this.keyChild[i]!;
        }
      }
      i = (i + 1) & (KEY_TABLE_SIZE - 1);
    }
  }

  private record(node: number, start: number, end: number, type: number): void {
    const slot = this.nodeSlot[node]!;
    if (slot === NONE) return;
    this.fullStart[slot] = start;
    this.fullEnd[slot] = end;
    this.type[slot] = type;
    this.count[slot]!++;
    this.types[slot]! |= 1 << type;
    if (type === T_TRUE) this.trues[slot]!++;
    this.lastValue[slot] = type === T_STRING || type === T_NUMBER ? this.tapeLength - 1 : -1;
  }

  /** Puts a string content or number on the tape (before recording it). */
  private tape(start: number, end: number, kind: number): void {
    const k = this.tapeLength;
    if (k < 0) return;
    if (k >= MAX_TAPE) {
      this.tapeLength = -1;
      return;
    }
    this.tapeStart[k] = start;
    this.tapeEnd[k] = end;
    this.tapeKind[k] = kind;
    this.tapeLength = k + 1;
  }

  /**
   * Scans the line [from, to) of `buf`. Returns false when it is not exactly one JSON object of
   * depth ≤ 24 without escapes or control characters in its strings; positions are offsets in `buf`.
   */
  scan(buf: Uint8Array, from = 0, to = buf.length): boolean {
    this.shape = this.shapes.match(buf, from, to, this);
    if (this.shape) return true;
    if (!this.scanFully(buf, from, to)) return false;
    this.shapes.learn(buf, from, to, this);
    return true;
  }

  /**
   * Where the value at `slot` starts and ends (exclusive) in the last line scanned, for a slot it
   * has (count > 0). After a shape match, computed on demand from where the shape's parts matched.
   */
  startOf(slot: number): number {
    return this.shape === undefined ? this.fullStart[slot]! : this.shapes.startOf(this.shape, slot);
  }
  endOf(slot: number): number {
    return this.shape === undefined ? this.fullEnd[slot]! : this.shapes.endOf(this.shape, slot);
  }

  /** Where variable value k of the last line matched to `shape` starts and ends. */
  get valueStart(): Int32Array {
    return this.shapes.valueStart;
  }
  get valueEnd(): Int32Array {
    return this.shapes.valueEnd;
  }

  /** The full scan: every byte checked against the grammar, every key looked up. */
  scanFully(buf: Uint8Array, from = 0, to = buf.length): boolean {
    this.shape = undefined;
    this.view = viewOf(buf);
    this.type = this.ownType;
    this.count = this.ownCount.fill(0);
    this.types = this.ownTypes.fill(0);
    this.trues = this.ownTrues.fill(0);
    this.tapeLength = 0;
    let i = skipSpace(buf, from, to);
    if (buf[i] !== OPEN_OBJECT) return false;
    i = this.object(buf, i, to, ROOT, 1);
    return i >= 0 && skipSpace(buf, i, to) === to;
  }

  /** The index after the value starting at `i` (recorded at `node` unless NONE), or -1. */
  private value(buf: Uint8Array, i: number, to: number, node: number, depth: number): number {
    const c = buf[i];
    if (c === QUOTE) {
      const e = stringEndWords(this.view, buf, i + 1, to);
      if (e < 0) return -1;
      this.tape(i + 1, e, T_STRING);
      if (node !== NONE) this.record(node, i + 1, e, T_STRING);
      return e + 1;
    }
    if (c === OPEN_OBJECT) return this.object(buf, i, to, node, depth);
    if (c === OPEN_ARRAY) return this.array(buf, i, to, node, depth);
    let j = i;
    while (j < to && LITERAL_STOP[buf[j]!] === 0) j++;
    const t = literalType(buf, i, j);
    if (t === 0) return -1;
    if (t === T_NUMBER) this.tape(i, j, T_NUMBER);
    if (node !== NONE) this.record(node, i, j, t);
    return j;
  }

  /** `buf[i]` is `{`: the index after the object, or -1. */
  private object(buf: Uint8Array, i: number, to: number, node: number, depth: number): number {
    if (depth > MAX_DEPTH) return -1;
    if (node !== NONE) this.record(node, i, i, T_OBJECT);
    i = skipSpace(buf, i + 1, to);
    if (buf[i] !== CLOSE_OBJECT) {
      for (;;) {
        if (buf[i] !== QUOTE) return -1;
        const keyEnd = stringEndWords(this.view, buf, i + 1, to);
        if (keyEnd < 0) return -1;
        const child = node === NONE ? NONE : this.lookupKey(node, buf, i + 1, keyEnd);
        i = skipSpace(buf, keyEnd + 1, to);
        if (buf[i] !== COLON) return -1;
        i = this.value(buf, skipSpace(buf, i + 1, to), to, child, depth + 1);
        if (i < 0) return -1;
        i = skipSpace(buf, i, to);
        if (buf[i] === COMMA) {
          i = skipSpace(buf, i + 1, to);
          continue;
        }
        if (buf[i] === CLOSE_OBJECT) break;
        return -1;
      }
    }
    if (node !== NONE) this.closed(node, i + 1);
    return i + 1;
  }

  /** `buf[i]` is `[`: the index after the array, or -1. Items are recorded at `[0]` and `[*]`. */
  private array(buf: Uint8Array, i: number, to: number, node: number, depth: number): number {
    if (depth > MAX_DEPTH) return -1;
    if (node !== NONE) this.record(node, i, i, T_ARRAY);
    i = skipSpace(buf, i + 1, to);
    if (buf[i] !== CLOSE_ARRAY) {
      let item = node === NONE ? NONE : this.firstItem[node]!;
      for (;;) {
        i = this.value(buf, i, to, item, depth + 1);
        if (i < 0) return -1;
        i = skipSpace(buf, i, to);
        if (buf[i] === COMMA) {
          i = skipSpace(buf, i + 1, to);
          item = node === NONE ? NONE : this.laterItem[node]!;
          continue;
        }
        if (buf[i] === CLOSE_ARRAY) break;
        return -1;
      }
    }
    if (node !== NONE) this.closed(node, i + 1);
    return i + 1;
  }

  /** A container at `node` ended at `end`. */
  private closed(node: number, end: number): void {
    const slot = this.nodeSlot[node]!;
    if (slot !== NONE) this.fullEnd[slot] = end;
  }
}

