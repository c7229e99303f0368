/**
 * The flow identities seen in a thread, so a line repeating one is not parsed again (fast-path.ts).
 * An identity is a line shape, an orientation (direction and server port) and the bytes of that
 * shape's values in the identity fields: two lines of one shape with equal values there have
 * byte-identical identity fields (Shape.valuesIn), so they parse to the same target, source and action.
 *
 * - Keyed by a hash, in a two-way set-associative table (an array read, not a Map lookup: ~4% of a
 *   flow line's time); a third identity in a set replaces the one used less recently. Every hit is
 *   verified — same shape, same orientation, the same bytes in each value — so a hash collision can
 *   never mix two identities up.
 * - An identity is cached the second time it is seen: its key is first noted in a direct-mapped
 *   table of keys (a later key of the same entry overwrites it). A real flow repeats and is cached
 *   from its second line, while a flood of one-off identities (a scan from a million addresses)
 *   fills almost nothing. (Caching on the first line was tried: ~15% faster on a production shard,
 *   but early one-off entries of a flood survive, V8 then pretenures every line's objects at their
 *   allocation sites, and the bench's 1 GiB flood peaked at 646 MiB instead of 256.) That matters for memory more than speed: cached entries that a flood keeps
 *   replacing live long enough to be promoted to the old generation, and the heap grows with them.
 *   A full key is compared, so a one-off line is taken for a repeat only when its 30-bit key equals
 *   one still noted (about one line in 4,000 of a flood); a bit per key would take a quarter of them.
 * - The identities' bytes lie one after another in one buffer (no allocation per entry); it is
 *   emptied with the cache. Bounded: at most LIMIT identities and ARENA_BYTES of values — sized for
 *   a cluster of thousands of pods talking to a handful of destinations in both directions (~37,000
 *   identities of ~120 bytes on the bench's production shard). At 50,000 and 4 MiB the arena filled
 *   and the cache was emptied over and over: 1.46-1.52 s for that 300 MB shard on one thread; 1.27-1.39
 *   s at 120,000 and 16 MiB.
 */
import { sameBytes } from './bytes.js';
import type { Shape } from './line-shapes.js';

/** Where each variable value of the line being read starts and ends (a LineScanner after a shape match). */
export interface ValuePositions {
  readonly valueStart: Int32Array;
  readonly valueEnd: Int32Array;
}

interface Entry<T> {
  key: number;
  shape: Shape;
  orientation: number;
  /** Each identity value's length; their bytes lie one after another in the arena from `at`. */
  lengths: Int32Array;
  at: number;
  value: T;
}

const LIMIT = 120_000;
/** Sets of the two-way table (twice the identities it can hold are slots). */
const SETS = 1 << 17;
const ARENA_BYTES = 16 * 1024 * 1024;
/** Bits of the hash that pick an entry of the seen-once table (1 MiB of keys). */
const SEEN_BITS = 18;

/** One step of KnownFlows.key: `word` into `h`. */
function mix(h: number, word: number): number {
  h = Math.imul(h ^ word, 0x85ebca6b);
  return h ^ (h >>> 13);
}

export class KnownFlows<T> {
  /** Two ways per set, by hash: a set's slots are 2k and 2k + 1. */
  private readonly slots: (Entry<T> | undefined)[] = new Array<Entry<T> | undefined>(2 * SETS).fill(undefined);
  /** Per set, the way used last (the other is replaced). */
  private readonly lastUsed = new Uint8Array(SETS);
  private size = 0;
  private readonly arena = new Uint8Array(ARENA_BYTES);
  private readonly arenaView = new DataView(this.arena.buffer);
  private arenaUsed = 0;
  /** Keys seen once, plus one (0 is an empty entry), at their low SEEN_BITS bits. */
  private readonly seenOnce = new Int32Array(1 << SEEN_BITS);


  /**
   * Hash of the shape, the orientation and the identity values' bytes (four at a time), read in
   * place. Each step multiplies and folds the high bits back down: with a multiply alone (FNV), a
   * change in one word reached only the bits above it, and a million addresses `203.a.b.c` gave 4.7%
   * colliding keys — each taken for a second sighting and cached — against the 0.05% of random keys.
   */
  key(view: DataView<ArrayBufferLike>, line: ValuePositions, shape: Shape, orientation: number, values: Int32Array): number {
    let h = mix(0x811c9dc5 ^ shape.id, orientation);
    for (let j = 0; j < values.length; j++) {
      const k = values[j]!;
      let i = line.valueStart[k]!;
      const e = line.valueEnd[k]!;
      h = mix(h, e - i);
      for (; i + 4 <= e; i += 4) h = mix(h, view.getInt32(i, true));
      for (; i < e; i++) h = mix(h, view.getUint8(i));
    }
    // murmur3's finalizer; 30 bits: a small integer.
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    return (h ^ (h >>> 16)) >>> 2;
  }

  /** What this line's identity was remembered as, or undefined. */
  get(key: number, view: DataView<ArrayBufferLike>, line: ValuePositions, shape: Shape, orientation: number, values: Int32Array): T | undefined {
    const set = key & (SETS - 1);
    let way = 0;
    let known = this.slots[2 * set];
    if (!known || known.key !== key) {
      way = 1;
      known = this.slots[2 * set + 1];
      if (!known || known.key !== key) return undefined;
    }
    if (known.shape !== shape || known.orientation !== orientation) return undefined;
    let at = known.at;
    for (let j = 0; j < values.length; j++) {
      const s = line.valueStart[values[j]!]!;
      const length = line.valueEnd[values[j]!]! - s;
      if (known.lengths[j] !== length || !sameBytes(this.arenaView, at, view, s, length)) return undefined;
      at += length;
    }
    this.lastUsed[set] = way;
    return known.value;
  }

  /** Identities cached now. */
  get cached(): number {
    return this.size;
  }

  /**
   * Whether an identity not found by `get` should be remembered: true from its second sighting.
   * The caller builds the value to remember only then (a flood's one-off lines build nothing).
   */
  seenBefore(key: number): boolean {
    const entry = key & ((1 << SEEN_BITS) - 1);
    if (this.seenOnce[entry] === key + 1) return true;
    this.seenOnce[entry] = key + 1;
    return false;
  }

  /** Remembers this line's identity as `value`, its values' bytes copied (see seenBefore). */
  remember(key: number, buf: Uint8Array, line: ValuePositions, shape: Shape, orientation: number, values: Int32Array, value: T): void {
    const lengths = new Int32Array(values.length);
    let size = 0;
    for (let j = 0; j < values.length; j++) size += lengths[j] = line.valueEnd[values[j]!]! - line.valueStart[values[j]!]!;
    // An identity too large for a fair share of the arena is not cached.
    if (size > ARENA_BYTES / 64) return;
    if (this.size >= LIMIT || this.arenaUsed + size > ARENA_BYTES) {
      this.slots.fill(undefined);
      this.size = 0;
      this.arenaUsed = 0;
    }
    const at = this.arenaUsed;
    for (let j = 0; j < values.length; j++) {
      this.arena.set(buf.subarray(line.valueStart[values[j]!]!, line.valueEnd[values[j]!]!), this.arenaUsed);
      this.arenaUsed += lengths[j]!;
    }
    const set = key & (SETS - 1);
    const way = this.slots[2 * set] === undefined ? 0 : this.slots[2 * set + 1] === undefined ? 1 : 1 - this.lastUsed[set]!;
    if (this.slots[2 * set + way] === undefined) this.size++;
    this.slots[2 * set + way] = { key, shape, orientation, lengths, at, value };
    this.lastUsed[set] = way;
  }
}
