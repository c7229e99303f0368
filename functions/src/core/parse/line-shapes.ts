/**
 * Line shapes: most lines of an export are the same JSON text with different values — the same
 * keys in the same order, the same punctuation and whitespace. A shape is learned from a line the
 * full scan accepted: its constant bytes (everything but string contents and numbers) and where each
 * wanted path lay. A later line matches the shape when its constant bytes are identical (compared
 * eight bytes at a time) and each variable part is again a plain string content or a number.
 *
 * Why this is exact: putting a valid string content (no quote, backslash or control character) or a
 * valid number where the learned line had one keeps the text valid JSON with the same keys at the
 * same paths, so the full scan would record the same slots, types and counts — only positions move,
 * and those are recomputed from where the constant parts were found.
 *
 * Values that never change (a project id, a log name, a protocol) are refined into the constants:
 * after a shape has matched OBSERVE_LINES lines, the values that had the learned line's bytes in all
 * of them are joined with the constant parts around them into a refined shape, tried before the
 * general one. A refined match is a general match whose values happen to equal valid learned
 * values, so it is exact too; fewer, longer parts are compared eight bytes at a time. A line whose
 * "stable" value did change simply matches the general shape.
 */
import { ownView, sameBytes, viewOf } from './bytes.js';
import { literalType, LITERAL_STOP, stringEndWords, T_NUMBER, T_STRING } from './json-tokens.js';
// A type only (erased at run time): the scanner whose records a shape reproduces.
import type { LineScanner } from './line-scanner.js';

/** Shapes kept per scanner; when a new one would exceed this, all are forgotten and relearned. */
const MAX_SHAPES = 16;
/**
 * After forgetting, lines scanned in full before learning again. Lines whose shapes do not repeat
 * (keys in a different order every time) would otherwise pay for learning on every line.
 */
const RELEARN_AFTER_LINES = 2_000;
/** Lines a shape matches before its unchanging values are refined into constants. */
const OBSERVE_LINES = 32;

/** What a line of a shape records: per-slot snapshots and where each recorded slot starts and ends. */
export class Shape {
  constructor(
    /** Snapshots of the per-slot arrays that do not depend on positions. */
    readonly type: Uint8Array,
    readonly count: Int32Array,
    readonly types: Int32Array,
    readonly trues: Int32Array,
    /** Recorded slots, and for each its start and end: value k (offset -1) or constant k + offset. */
    readonly slots: Int32Array,
    readonly startRef: Int32Array,
    readonly startOff: Int32Array,
    readonly endRef: Int32Array,
    readonly endOff: Int32Array,
    /** The learned line (a copy), for refinement; undefined for a refined shape (never refined again). */
    readonly learned?: LearnedLine,
  ) {
    this.index = new Int32Array(type.length).fill(-1);
    slots.forEach((slot, n) => (this.index[slot] = n));
  }
  /** Lines matched so far (counted up to OBSERVE_LINES while learned is set). */
  observed = 0;
  /** Per slot: its index in `slots`, or -1 when the shape does not record it. */
  readonly index: Int32Array;
  /** A number naming this shape among those learned in this thread (for hashing). */
  readonly id = ++shapeIds;
  /**
   * What the scanner's user decided once for every line of this shape — facts that follow from the
   * shape alone (which paths hold which types, which bytes are constant). fast-path.ts: FlowShape.
   */
  memo: unknown = undefined;

  /**
   * The variable values [first, end) within the value at `slot` (in value order; empty when the slot
   * is absent or wholly constant). Every other byte of that value is a constant of this shape: two
   * lines of this shape whose values first…end-1 are equal have byte-identical values at `slot`.
   */
  valuesIn(slot: number): [number, number] {
    const n = this.index[slot]!;
    if (n < 0) return [0, 0];
    // A string or number is one value; a container (or literal) starts and ends in constants, and
    // value k lies between constants k and k + 1.
    if (this.startOff[n]! < 0) return [this.startRef[n]!, this.startRef[n]! + 1];
    return [this.startRef[n]!, this.endRef[n]!];
  }
}
let shapeIds = 0;

/** A learned line's bytes, its constant parts and values (offsets in `bytes`), and which values have not changed. */
interface LearnedLine {
  bytes: Uint8Array;
  view: DataView<ArrayBuffer>;
  constantStart: Int32Array;
  constantEnd: Int32Array;
  valueKind: Uint8Array;
  /** Per value: 1 while every matched line had the learned bytes there. */
  stable: Uint8Array;
}

/**
 * The known shapes share their common beginnings: a trie of constant parts. A node is one constant
 * part and the kind of value after it (0 for the last part, which ends the line and holds the shape).
 */
class ShapeNode {
  readonly children: ShapeNode[] = [];
  shape: Shape | undefined;
  constructor(
    readonly constant: DataView<ArrayBuffer>,
    /** constant.byteLength, kept as a plain field: the DataView getter was a measurable cost per part. */
    readonly length: number,
    readonly kind: number,
  ) {}
}

export class LineShapes {
  private root: ShapeNode[] = [];
  private shapes = 0;
  /** Full scans still to go before learning resumes. */
  private cooldown = 0;
  /** Where each constant part and each value began in the line being matched. */
  /** Shapes known now, refined ones included. */
  get size(): number {
    return this.shapes;
  }

  private constantAt = new Int32Array(64);
  /** Where each variable value of the line last matched starts and ends (value k of its shape). */
  valueStart = new Int32Array(64);
  valueEnd = new Int32Array(64);

  /** Matches the line [from, to) against the known shapes; on success fills `into` as a full scan would and returns the shape. */
  match(buf: Uint8Array, from: number, to: number, into: LineScanner): Shape | undefined {
    const view = viewOf(buf);
    const shape = this.walk(this.root, view, buf, from, to, 0);
    if (!shape) return undefined;
    this.fill(shape, into);
    if (shape.learned && shape.observed < OBSERVE_LINES) this.observe(shape, shape.learned, view);
    return shape;
  }

  /** Notes which values of the line just matched differ from the learned line's; refines after OBSERVE_LINES. */
  private observe(shape: Shape, learned: LearnedLine, view: DataView<ArrayBufferLike>): void {
    const { stable, constantStart, constantEnd } = learned;
    for (let k = 0; k < stable.length; k++) {
      if (stable[k] === 0) continue;
      const s = this.valueStart[k]!;
      const length = this.valueEnd[k]! - s;
      // Value k of the learned line lies between its constants k and k + 1.
      if (length !== constantStart[k + 1]! - constantEnd[k]! || !sameBytes(view, s, learned.view, constantEnd[k]!, length)) stable[k] = 0;
    }
    if (++shape.observed === OBSERVE_LINES) this.refine(shape, learned);
  }

  /**
   * Adds the refined shape of `shape`: each unchanging value joined with the constant parts around
   * it. Positions recorded in a joined value or constant become offsets in the joined constant.
   */
  private refine(shape: Shape, learned: LearnedLine): void {
    const { stable, constantStart, constantEnd, valueKind } = learned;
    const values = stable.length;
    if (!stable.includes(1) || this.shapes >= MAX_SHAPES) return;
    // Generic constant k → refined constant and the offset of its start there; value k → refined value (or -1).
    const constantIndex = new Int32Array(values + 1);
    const constantShift = new Int32Array(values + 1);
    const valueIndex = new Int32Array(values).fill(-1);
    const parts: [number, number, number][] = []; // [start, end, kind of the value after it]
    let current = 0;
    let currentStart = constantStart[0]!;
    for (let k = 0; k <= values; k++) {
      constantIndex[k] = current;
      constantShift[k] = constantStart[k]! - currentStart;
      if (k === values) parts.push([currentStart, constantEnd[k]!, 0]);
      else if (stable[k] === 0) {
        parts.push([currentStart, constantEnd[k]!, valueKind[k]!]);
        valueIndex[k] = current++;
        currentStart = constantStart[k + 1]!;
      }
    }
    // A stable value k lies in the refined constant of constant k, right after constant k's bytes.
    const ref = (refs: Int32Array, offs: Int32Array, n: number, end: boolean): [number, number] => {
      const k = refs[n]!;
      const off = offs[n]!;
      if (off >= 0) return [constantIndex[k]!, constantShift[k]! + off];
      if (valueIndex[k]! >= 0) return [valueIndex[k]!, -1];
      const at = constantShift[k]! + constantEnd[k]! - constantStart[k]!;
      return [constantIndex[k]!, end ? at + constantStart[k + 1]! - constantEnd[k]! : at];
    };
    const n = shape.slots.length;
    const refs = [new Int32Array(n), new Int32Array(n), new Int32Array(n), new Int32Array(n)] as const;
    for (let i = 0; i < n; i++) {
      [refs[0][i], refs[1][i]] = ref(shape.startRef, shape.startOff, i, false);
      [refs[2][i], refs[3][i]] = ref(shape.endRef, shape.endOff, i, true);
    }
    const refined = new Shape(shape.type, shape.count, shape.types, shape.trues, shape.slots, ...refs);
    // Into the trie ahead of the general parts, so it is tried first.
    let nodes = this.root;
    parts.forEach(([start, end, kind], j) => {
      const constant = ownView(learned.bytes.subarray(start, end));
      let node = nodes.find((x) => x.kind === kind && x.length === constant.byteLength && sameBytes(x.constant, 0, constant, 0, constant.byteLength));
      if (!node) {
        node = new ShapeNode(constant, constant.byteLength, kind);
        nodes.unshift(node);
      }
      if (j === parts.length - 1) {
        if (!node.shape) this.shapes++;
        node.shape ??= refined;
      }
      nodes = node.children;
    });
  }

  /**
   * The shape of the rest of the line from `i` (constant part k). Runs of single alternatives are
   * followed in a loop; where shapes branch, each alternative is tried in turn. Positions are written
   * as parts match: the path that finally matches has written every one of its parts last.
   */
  private walk(nodes: ShapeNode[], view: DataView<ArrayBufferLike>, buf: Uint8Array, i: number, to: number, k: number): Shape | undefined {
    while (nodes.length === 1) {
      const node = nodes[0]!;
      const e = this.part(node, view, buf, i, to, k);
      if (e < 0) return undefined;
      if (node.kind === 0) return node.shape;
      nodes = node.children;
      i = e;
      k++;
    }
    for (let n = 0; n < nodes.length; n++) {
      const node = nodes[n]!;
      const e = this.part(node, view, buf, i, to, k);
      if (e < 0) continue;
      if (node.kind === 0) return node.shape;
      // Deeper parts write only deeper positions: this part's stay as matched here.
      const shape = this.walk(node.children, view, buf, e, to, k + 1);
      if (shape) return shape;
    }
    return undefined;
  }

  /**
   * Matches constant part k at `i` and the value after it; records their positions and returns where
   * the value ends (the line's end for the last part), or -1.
   */
  private part(node: ShapeNode, view: DataView<ArrayBufferLike>, buf: Uint8Array, i: number, to: number, k: number): number {
    const length = node.length;
    if (i + length > to || !sameBytes(view, i, node.constant, 0, length)) return -1;
    const valueAt = i + length;
    this.constantAt[k] = i;
    if (node.kind === 0) return valueAt === to ? to : -1;
    let e: number;
    if (node.kind === T_STRING) {
      e = stringEndWords(view, buf, valueAt, to);
      if (e < 0) return -1;
    } else {
      e = valueAt;
      while (e < to && LITERAL_STOP[buf[e]!] === 0) e++;
      if (literalType(buf, valueAt, e) !== T_NUMBER) return -1;
    }
    this.valueStart[k] = valueAt;
    this.valueEnd[k] = e;
    return e;
  }

  private fill(shape: Shape, into: LineScanner): void {
    // Shared, not copied: the scanner's readers never write them, and its next full scan switches back.
    into.type = shape.type;
    into.count = shape.count;
    into.types = shape.types;
    into.trues = shape.trues;
  }

  /** Where the value at `slot` (recorded by `shape`, the last match) starts in the line matched. */
  startOf(shape: Shape, slot: number): number {
    const n = shape.index[slot]!;
    const off = shape.startOff[n]!;
    return off < 0 ? this.valueStart[shape.startRef[n]!]! : this.constantAt[shape.startRef[n]!]! + off;
  }

  /** Where the value at `slot` ends (exclusive). */
  endOf(shape: Shape, slot: number): number {
    const n = shape.index[slot]!;
    const off = shape.endOff[n]!;
    return off < 0 ? this.valueEnd[shape.endRef[n]!]! : this.constantAt[shape.endRef[n]!]! + off;
  }

  /** Learns the shape of a line the full scan accepted (`record` is that scan's result). */
  learn(buf: Uint8Array, from: number, to: number, record: LineScanner): void {
    if (this.cooldown > 0) {
      this.cooldown--;
      return;
    }
    const values = record.tapeLength;
    if (values < 0) return;
    // Constant k spans [constantStart[k], constantEnd[k]).
    const constantStart = new Int32Array(values + 1);
    const constantEnd = new Int32Array(values + 1);
    let at = from;
    for (let k = 0; k <= values; k++) {
      constantStart[k] = at;
      constantEnd[k] = k < values ? record.tapeStart[k]! : to;
      if (k < values) at = record.tapeEnd[k]!;
    }
    /** The constant holding byte `p`, as [k, offset of `position` from its start]. */
    const inConstant = (p: number, position: number): [number, number] | undefined => {
      for (let k = 0; k <= values; k++) if (constantStart[k]! <= p && p < constantEnd[k]!) return [k, position - constantStart[k]!];
      return undefined;
    };
    const slots: number[] = [];
    const refs: number[][] = [[], [], [], []];
    for (let slot = 0; slot < record.count.length; slot++) {
      if (record.count[slot] === 0) continue;
      const value = record.lastValue[slot]!;
      let start: [number, number] | undefined;
      let end: [number, number] | undefined;
      if (value >= 0) {
        start = [value, -1];
        end = [value, -1];
      } else {
        // A container or true/false/null: its first and last bytes are constant bytes.
        start = inConstant(record.fullStart[slot]!, record.fullStart[slot]!);
        end = inConstant(record.fullEnd[slot]! - 1, record.fullEnd[slot]!);
      }
      if (!start || !end) return; // cannot happen for a scanned line; learn nothing rather than guess
      slots.push(slot);
      refs[0]!.push(start[0]);
      refs[1]!.push(start[1]);
      refs[2]!.push(end[0]);
      refs[3]!.push(end[1]);
    }
    const bytes = Uint8Array.from(buf.subarray(from, to));
    const learned: LearnedLine = {
      bytes,
      view: new DataView(bytes.buffer),
      constantStart: constantStart.map((p) => p - from),
      constantEnd: constantEnd.map((p) => p - from),
      valueKind: record.tapeKind.slice(0, values),
      stable: new Uint8Array(values).fill(1),
    };
    const shape = new Shape(
      record.type.slice(),
      record.count.slice(),
      record.types.slice(),
      record.trues.slice(),
      Int32Array.from(slots),
      Int32Array.from(refs[0]!),
      Int32Array.from(refs[1]!),
      Int32Array.from(refs[2]!),
      Int32Array.from(refs[3]!),
      learned,
    );
    if (this.shapes >= MAX_SHAPES) {
      this.root = [];
      this.shapes = 0;
      this.cooldown = RELEARN_AFTER_LINES;
      return;
    }
    // Follow (or grow) the trie along this line's constant parts and value kinds.
    let nodes = this.root;
    for (let k = 0; k <= values; k++) {
      const kind = k < values ? record.tapeKind[k]! : 0;
      const constant = ownView(buf.subarray(constantStart[k], constantEnd[k]));
      const length = constant.byteLength;
      let node = nodes.find((n) => n.kind === kind && n.length === length && sameBytes(n.constant, 0, constant, 0, length));
      if (!node) {
        node = new ShapeNode(constant, length, kind);
        nodes.push(node);
      }
      if (k === values) {
        if (!node.shape) this.shapes++;
        node.shape = shape;
      }
      nodes = node.children;
    }
    if (values + 1 > this.constantAt.length) {
      this.constantAt = new Int32Array(values + 1);
      this.valueStart = new Int32Array(values + 1);
      this.valueEnd = new Int32Array(values + 1);
    }
  }
}
