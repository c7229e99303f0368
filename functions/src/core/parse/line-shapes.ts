/**
 * Line shapes: most lines of an export are the same JSON text with different values — the same
 * keys in the same order, the same punctuation and whitespace. A shape is learned from a line the
 * full scan accepted: its constant bytes (everything but string contents and numbers) and where each
 * wanted path lay. A later line matches the shape when its constant bytes are identical (compared
 * four bytes at a time) and each variable part is again a plain string content or a number.
 *
 * Why this is exact: putting a valid string content (no quote, backslash or control character) or a
 * valid number where the learned line had one keeps the text valid JSON with the same keys at the
 * same paths, so the full scan would record the same slots, types and counts — only positions move,
 * and those are recomputed from where the constant parts were found.
 */
import { sameBytes, viewOf } from './bytes.js';
import { literalType, LITERAL_STOP, stringEnd, T_NUMBER, T_STRING } from './json-tokens.js';

/** What a scan produced: per-slot records and the tape of variable values (string contents, numbers). */
export interface ScanRecord {
  readonly start: Int32Array;
  readonly end: Int32Array;
  readonly type: Uint8Array;
  readonly count: Int32Array;
  readonly types: Int32Array;
  readonly trues: Int32Array;
  /** Tape index of the slot's last value when it was a string or number, else -1. */
  readonly lastValue: Int32Array;
  readonly tapeStart: Int32Array;
  readonly tapeEnd: Int32Array;
  readonly tapeKind: Uint8Array;
  /** Values on the tape, or -1 when there were more than it holds. */
  readonly tapeLength: number;
}

/** Shapes kept per scanner (the oldest learned is replaced first). */
const MAX_SHAPES = 8;

class Shape {
  constructor(
    /** Constant parts, one more than there are values: all bytes in one view, with offsets and lengths. */
    readonly constants: DataView<ArrayBuffer>,
    readonly constantOffset: Int32Array,
    readonly constantLength: Int32Array,
    readonly kinds: Uint8Array,
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

export class LineShapes {
  private readonly shapes: Shape[] = [];
  /** The shape the previous line matched. */
  private last = 0;
  /** The shape the next learned one replaces once MAX_SHAPES are known. */
  private replace = 0;
  /** Where each constant part and each value began in the line being matched. */
  private constantAt = new Int32Array(64);
  private valueStart = new Int32Array(64);
  private valueEnd = new Int32Array(64);

  /** Matches the line [from, to) against the known shapes, the last one matched first; on success fills `into` as a scan would. */
  match(buf: Uint8Array, from: number, to: number, into: ScanRecord): boolean {
    const n = this.shapes.length;
    for (let t = 0; t < n; t++) {
      const s = (this.last + t) % n;
      const shape = this.shapes[s]!;
      if (!this.matches(shape, buf, from, to)) continue;
      this.fill(shape, into);
      this.last = s;
      return true;
    }
    return false;
  }

  private matches(shape: Shape, buf: Uint8Array, from: number, to: number): boolean {
    const view = viewOf(buf);
    const constants = shape.constants;
    const values = shape.kinds.length;
    let i = from;
    for (let k = 0; ; k++) {
      const length = shape.constantLength[k]!;
      if (i + length > to || !sameBytes(view, i, constants, shape.constantOffset[k]!, length)) return false;
      this.constantAt[k] = i;
      i += length;
      if (k === values) return i === to;
      let e: number;
      if (shape.kinds[k] === T_STRING) {
        e = stringEnd(buf, i, to);
        if (e < 0) return false;
      } else {
        e = i;
        while (e < to && LITERAL_STOP[buf[e]!] === 0) e++;
        if (literalType(buf, i, e) !== T_NUMBER) return false;
      }
      this.valueStart[k] = i;
      this.valueEnd[k] = e;
      i = e;
    }
  }

  private fill(shape: Shape, into: ScanRecord): void {
    into.type.set(shape.type);
    into.count.set(shape.count);
    into.types.set(shape.types);
    into.trues.set(shape.trues);
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
  learn(buf: Uint8Array, from: number, to: number, record: ScanRecord): void {
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
    const constantLength = Int32Array.from({ length: values + 1 }, (_, k) => constantEnd[k]! - constantStart[k]!);
    const constantOffset = new Int32Array(values + 1);
    for (let k = 1; k <= values; k++) constantOffset[k] = constantOffset[k - 1]! + constantLength[k - 1]!;
    const bytes = new Uint8Array(constantOffset[values]! + constantLength[values]!);
    for (let k = 0; k <= values; k++) bytes.set(buf.subarray(constantStart[k], constantEnd[k]), constantOffset[k]);
    const shape = new Shape(
      new DataView(bytes.buffer),
      constantOffset,
      constantLength,
      record.tapeKind.slice(0, values),
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
    if (values + 1 > this.constantAt.length) {
      this.constantAt = new Int32Array(values + 1);
      this.valueStart = new Int32Array(values + 1);
      this.valueEnd = new Int32Array(values + 1);
    }
    if (this.shapes.length < MAX_SHAPES) this.shapes.push(shape);
    else {
      this.shapes[this.replace] = shape;
      this.replace = (this.replace + 1) % MAX_SHAPES;
    }
  }
}
