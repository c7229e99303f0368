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

/** What a line of a shape records: per-slot snapshots and where each recorded slot starts and ends. */
class Shape {
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
  ) {}
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
  private constantAt = new Int32Array(64);
  private valueStart = new Int32Array(64);
  private valueEnd = new Int32Array(64);

  /** Matches the line [from, to) against the known shapes; on success fills `into` as a full scan would. */
  match(buf: Uint8Array, from: number, to: number, into: LineScanner): boolean {
    const shape = this.walk(this.root, viewOf(buf), buf, from, to, 0);
    if (!shape) return false;
    this.fill(shape, into);
    return true;
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
    const slots = shape.slots;
    for (let n = 0; n < slots.length; n++) {
      const slot = slots[n]!;
      const sOff = shape.startOff[n]!;
      into.start[slot] = sOff < 0 ? this.valueStart[shape.startRef[n]!]! : this.constantAt[shape.startRef[n]!]! + sOff;
      const eOff = shape.endOff[n]!;
      into.end[slot] = eOff < 0 ? this.valueEnd[shape.endRef[n]!]! : this.constantAt[shape.endRef[n]!]! + eOff;
    }
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
        start = inConstant(record.start[slot]!, record.start[slot]!);
        end = inConstant(record.end[slot]! - 1, record.end[slot]!);
      }
      if (!start || !end) return; // cannot happen for a scanned line; learn nothing rather than guess
      slots.push(slot);
      refs[0]!.push(start[0]);
      refs[1]!.push(start[1]);
      refs[2]!.push(end[0]);
      refs[3]!.push(end[1]);
    }
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
