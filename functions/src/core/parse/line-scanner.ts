/**
 * One pass over a JSON line without building objects: records where the values of a fixed set of
 * paths (`jsonPayload.connection.src_ip`, `protoPayload.authorizationInfo[*].granted`, …) are, and
 * their JSON type. Lines with a backslash are refused by the caller, so every `"` delimits a string.
 * Paths are matched by a pair of 32-bit hashes of their segments (array items: `[0]` and `[*]`
 * for every later item). When a path occurs more than once the last one wins, as with JSON.parse.
 */

export const T_STRING = 1;
export const T_NUMBER = 2;
export const T_TRUE = 3;
export const T_FALSE = 4;
export const T_NULL = 5;
export const T_OBJECT = 6;
export const T_ARRAY = 7;

const QUOTE = 0x22;
const MAX_DEPTH = 24;
const TABLE_BITS = 10;
const TABLE_SIZE = 1 << TABLE_BITS;

function mix(h: number, c: number): number {
  return Math.imul(h ^ c, 0x01000193) | 0;
}

function mix2(h: number, c: number): number {
  return (Math.imul(h, 31) + c) | 0;
}

const SEP = 0x2e; // '.'
const FIRST_ITEM = 0x30; // '0'
const LATER_ITEM = 0x2a; // '*'

const ROOT_H1 = 0x811c9dc5 | 0;
const ROOT_H2 = 7;

/** Hashes of a dotted path such as `jsonPayload.connection.src_ip` or `service[0].service_name`. */
function pathHashes(path: string): [number, number] {
  let h1 = ROOT_H1;
  let h2 = ROOT_H2;
  for (const part of path.split('.')) {
    const item = /^(.*)\[(0|\*)\]$/.exec(part);
    const key = item ? item[1]! : part;
    h1 = mix(h1, SEP);
    h2 = mix2(h2, SEP);
    for (let i = 0; i < key.length; i++) {
      h1 = mix(h1, key.charCodeAt(i));
      h2 = mix2(h2, key.charCodeAt(i));
    }
    if (item) {
      const marker = item[2] === '0' ? FIRST_ITEM : LATER_ITEM;
      h1 = mix(mix(h1, 0x5b), marker);
      h2 = mix2(mix2(h2, 0x5b), marker);
    }
  }
  return [h1, h2];
}

export class LineScanner {
  private readonly tableH1 = new Int32Array(TABLE_SIZE);
  private readonly tableH2 = new Int32Array(TABLE_SIZE);
  private readonly tableSlot = new Int32Array(TABLE_SIZE).fill(-1);
  /** Hashes of every path that is a wanted path or leads to one: other keys' values are skipped unread. */
  private readonly prefixH1 = new Int32Array(TABLE_SIZE);
  private readonly prefixH2 = new Int32Array(TABLE_SIZE);
  private readonly prefixUsed = new Uint8Array(TABLE_SIZE);
  /** Per slot: value start, end (exclusive), type, and how many times it occurred. */
  readonly start: Int32Array;
  readonly end: Int32Array;
  readonly type: Uint8Array;
  readonly count: Int32Array;
  /** Per slot: bit mask of the types seen (1 << T_…), and how many values were `true`. */
  readonly types: Int32Array;
  readonly trues: Int32Array;
  private readonly stackH1 = new Int32Array(MAX_DEPTH);
  private readonly stackH2 = new Int32Array(MAX_DEPTH);
  private readonly stackArrayIndex = new Int32Array(MAX_DEPTH);

  constructor(readonly paths: readonly string[]) {
    this.start = new Int32Array(paths.length);
    this.end = new Int32Array(paths.length);
    this.type = new Uint8Array(paths.length);
    this.count = new Int32Array(paths.length);
    this.types = new Int32Array(paths.length);
    this.trues = new Int32Array(paths.length);
    const prefixes = new Set<string>();
    for (const path of paths) {
      const parts = path.split('.');
      for (let k = 1; k <= parts.length; k++) {
        const prefix = parts.slice(0, k).join('.');
        prefixes.add(prefix);
        const item = /^(.*)\[(0|\*)\]$/.exec(parts[k - 1]!);
        if (item) prefixes.add([...parts.slice(0, k - 1), item[1]].join('.'));
      }
    }
    for (const prefix of prefixes) {
      const [h1, h2] = pathHashes(prefix);
      let i = h1 & (TABLE_SIZE - 1);
      while (this.prefixUsed[i]) i = (i + 1) & (TABLE_SIZE - 1);
      this.prefixH1[i] = h1;
      this.prefixH2[i] = h2;
      this.prefixUsed[i] = 1;
    }
    paths.forEach((path, slot) => {
      const [h1, h2] = pathHashes(path);
      let i = h1 & (TABLE_SIZE - 1);
      while (this.tableSlot[i] !== -1) i = (i + 1) & (TABLE_SIZE - 1);
      this.tableH1[i] = h1;
      this.tableH2[i] = h2;
      this.tableSlot[i] = slot;
    });
  }

  private hasPrefixH1(h1: number): boolean {
    let i = h1 & (TABLE_SIZE - 1);
    while (this.prefixUsed[i]) {
      if (this.prefixH1[i] === h1) return true;
      i = (i + 1) & (TABLE_SIZE - 1);
    }
    return false;
  }

  private isPrefix(h1: number, h2: number): boolean {
    let i = h1 & (TABLE_SIZE - 1);
    while (this.prefixUsed[i]) {
      if (this.prefixH1[i] === h1 && this.prefixH2[i] === h2) return true;
      i = (i + 1) & (TABLE_SIZE - 1);
    }
    return false;
  }

  private lookup(h1: number, h2: number): number {
    let i = h1 & (TABLE_SIZE - 1);
    for (;;) {
      const slot = this.tableSlot[i]!;
      if (slot === -1) return -1;
      if (this.tableH1[i] === h1 && this.tableH2[i] === h2) return slot;
      i = (i + 1) & (TABLE_SIZE - 1);
    }
  }

  /** Scans `buf` (one line). Returns false when it is not a well-formed JSON object of depth ≤ 24. */
  scan(buf: Buffer): boolean {
    this.type.fill(0);
    this.count.fill(0);
    this.types.fill(0);
    this.trues.fill(0);
    const n = buf.length;
    let depth = 0;
    // Hash of the path of the value about to be read (set by a key, or by an array item).
    let h1 = ROOT_H1;
    let h2 = ROOT_H2;
    let expectValue = true; // at depth 0: the root value
    let i = 0;
    const isArray = this.stackArrayIndex;
    while (i < n) {
      const c = buf[i]!;
      if (c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a || c === 0x2c) {
        if (c === 0x2c && depth > 0 && isArray[depth - 1]! >= 0) {
          // Next array item: its path is the array's path + [*].
          isArray[depth - 1]!++;
          h1 = mix(mix(this.stackH1[depth - 1]!, 0x5b), LATER_ITEM);
          h2 = mix2(mix2(this.stackH2[depth - 1]!, 0x5b), LATER_ITEM);
          expectValue = true;
        }
        i++;
        continue;
      }
      if (c === QUOTE) {
        // A key (inside an object, not expecting a value) or a string value.
        let j = i + 1;
        if (!expectValue) {
          // One hash while finding the key's end; the second only for keys that may lead somewhere.
          let k1 = mix(this.stackH1[depth - 1]!, SEP);
          while (j < n) {
            const d = buf[j]!;
            if (d === QUOTE) break;
            k1 = mix(k1, d);
            j++;
          }
          if (j >= n) return false;
          const keyEnd = j;
          j++;
          while (j < n && (buf[j] === 0x20 || buf[j] === 0x09)) j++;
          if (buf[j] !== 0x3a) return false;
          let k2 = 0;
          let wanted = this.hasPrefixH1(k1);
          if (wanted) {
            k2 = mix2(this.stackH2[depth - 1]!, SEP);
            for (let x = i + 1; x < keyEnd; x++) k2 = mix2(k2, buf[x]!);
            wanted = this.isPrefix(k1, k2);
          }
          if (!wanted) {
            // Nothing wanted lies under this key: step over its value without hashing or recording.
            j = skipValue(buf, j + 1);
            if (j < 0) return false;
            expectValue = false;
            i = j;
            continue;
          }
          h1 = k1;
          h2 = k2;
          expectValue = true;
          i = j + 1;
          continue;
        }
        while (j < n) {
          const d = buf[j]!;
          if (d === QUOTE) break;
          if (d < 0x20) return false; // raw control characters are not JSON
          j++;
        }
        if (j >= n) return false;
        this.record(h1, h2, i + 1, j, T_STRING);
        expectValue = false;
        i = j + 1;
        continue;
      }
      if (!expectValue && c !== 0x7d && c !== 0x5d) return false;
      if (c === 0x7b || c === 0x5b) {
        if (depth >= MAX_DEPTH) return false;
        this.record(h1, h2, i, i, c === 0x7b ? T_OBJECT : T_ARRAY);
        this.stackH1[depth] = h1;
        this.stackH2[depth] = h2;
        isArray[depth] = c === 0x5b ? 0 : -1;
        depth++;
        if (c === 0x5b) {
          h1 = mix(mix(h1, 0x5b), FIRST_ITEM);
          h2 = mix2(mix2(h2, 0x5b), FIRST_ITEM);
          expectValue = true;
        } else expectValue = false;
        i++;
        continue;
      }
      if (c === 0x7d || c === 0x5d) {
        if (depth === 0) return false;
        if ((c === 0x5d) !== isArray[depth - 1]! >= 0) return false;
        depth--;
        // Close the container's record: its end.
        const slot = this.lookup(this.stackH1[depth]!, this.stackH2[depth]!);
        if (slot >= 0) this.end[slot] = i + 1;
        expectValue = false;
        i++;
        if (depth === 0) {
          while (i < n && (buf[i] === 0x20 || buf[i] === 0x09 || buf[i] === 0x0d)) i++;
          return i === n;
        }
        continue;
      }
      // A literal: number, true, false, null.
      let j = i;
      while (j < n) {
        const d = buf[j]!;
        if (d === 0x2c || d === 0x7d || d === 0x5d || d === 0x20 || d === 0x09 || d === 0x0d) break;
        j++;
      }
      const t = literalType(buf, i, j);
      if (t === 0) return false;
      this.record(h1, h2, i, j, t);
      expectValue = false;
      i = j;
    }
    return false;
  }

  private record(h1: number, h2: number, start: number, end: number, type: number): void {
    const slot = this.lookup(h1, h2);
    if (slot < 0) return;
    this.start[slot] = start;
    this.end[slot] = end;
    this.type[slot] = type;
    this.count[slot]!++;
    this.types[slot]! |= 1 << type;
    if (type === T_TRUE) this.trues[slot]!++;
  }
}

/** The index just after the JSON value starting at or after `i` (whitespace allowed), or -1 when malformed. */
function skipValue(buf: Uint8Array, i: number): number {
  const n = buf.length;
  while (i < n && (buf[i] === 0x20 || buf[i] === 0x09)) i++;
  if (i >= n) return -1;
  const c = buf[i]!;
  if (c === QUOTE) {
    for (let j = i + 1; j < n; j++) {
      const d = buf[j]!;
      if (d === QUOTE) return j + 1;
      if (d < 0x20) return -1;
    }
    return -1;
  }
  if (c === 0x7b || c === 0x5b) {
    let depth = 0;
    for (let j = i; j < n; j++) {
      const d = buf[j]!;
      if (d === QUOTE) {
        j++;
        while (j < n && buf[j] !== QUOTE) {
          if (buf[j]! < 0x20) return -1;
          j++;
        }
        if (j >= n) return -1;
      } else if (d === 0x7b || d === 0x5b) depth++;
      else if (d === 0x7d || d === 0x5d) {
        depth--;
        if (depth === 0) return j + 1;
      }
    }
    return -1;
  }
  let j = i;
  while (j < n) {
    const d = buf[j]!;
    if (d === 0x2c || d === 0x7d || d === 0x5d || d === 0x20 || d === 0x09 || d === 0x0d) break;
    j++;
  }
  return literalType(buf, i, j) === 0 ? -1 : j;
}

/** The JSON type of a literal, or 0 when it is not one (`true`, `false`, `null`, or a number). */
function literalType(buf: Uint8Array, i: number, j: number): number {
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
