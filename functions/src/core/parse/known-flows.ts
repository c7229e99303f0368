/**
 * The flow identities seen in a thread, so a line repeating one is not parsed again (fast-path.ts).
 * An identity is a line shape, an orientation (direction and server port) and the bytes of that
 * shape's values in the fields that decide a flow's access (fast-path.ts, accessSlots): two lines of
 * one shape with equal values there have byte-identical fields there (Shape.valuesIn), so they parse
 * to the same target, source key and action.
 *
 * - Keyed by a hash, in a four-way set-associative table of integers (a set's four records side by
 *   side, 64 bytes); a fifth identity in a set replaces the one remembered first in it. Every hit
 *   is verified — same shape, same orientation, the same bytes in each value — so a hash collision
 *   can never mix two identities up.
 * - An identity is remembered from its first sighting while that pays, and from its second once a
 *   flood of one-off identities shows it does not (see admit): a real flow repeats, a scan from a
 *   million addresses does not, and what a flood leaves in the cache would only be promoted garbage.
 *   Second sightings are noted in a direct-mapped table of keys (a later key of the same entry
 *   overwrites it); a one-off line is taken for a repeat only when its 30-bit key equals one still
 *   noted (about one line in 4,000 of a flood).
 * - The identities' bytes lie one after another in one buffer (no allocation per entry); it is
 *   emptied with the cache. Bounded: at most LIMIT identities and ARENA_BYTES of values — sized
 *   when an identity was every field of both ends, for a cluster of thousands of pods talking to a
 *   handful of destinations in both directions (~37,000 identities of ~120 bytes on the bench's
 *   production shard; 840 since pods of one namespace share theirs). At 50,000 and 4 MiB the arena
 *   filled and the cache was emptied over and over: 1.46-1.52 s for that 300 MB shard on one thread;
 *   1.27-1.39 s at 120,000 and 16 MiB. Clients known only by their address (a scan, a flood) still
 *   make one identity each.
 */
import { sameBytes } from './bytes.js';
import type { Shape } from './line-shapes.js';

/** Where each variable value of the line being read starts and ends (a LineScanner after a shape match). */
export interface ValuePositions {
  readonly valueStart: Int32Array;
  readonly valueEnd: Int32Array;
}

const LIMIT = 120_000;
/**
 * Sets of the table, and ways per set: 262,144 slots, over twice LIMIT. With two ways and twice the
 * sets (the same 4 MiB), the bench's 300 MB production shard's 36,498 identities fell three or more
 * to a set in 379 sets, which took turns evicting each other: the shard read twice in one run
 * replaced an identity 4,914 times (and built 2,619 lines of its second pass again, whose every
 * identity had been seen); with four ways, 260 times (counted in a build of each).
 */
const SETS = 1 << 16;
const WAYS = 4;
const ARENA_BYTES = 16 * 1024 * 1024;
/** Int32s of one way's record in the table: key + 1, shape id, orientation, arena offset. */
const WAY_INTS = 4;
/** Int32s of a set: its ways' records side by side, 64 bytes, filled from way 0 (a lookup stops at an empty way). */
const SET_INTS = WAYS * WAY_INTS;
/** Identities remembered between two checks of whether remembering on first sighting pays (KnownFlows.admit). */
const CHECK_EVERY = 16_384;
/** It pays while a window's lookups find at least 1/EAGER_MIN_HITS as many identities as it remembered … */
const EAGER_MIN_HITS = 2;
/** … or, in the first window (the cache still filling), 1/EAGER_MIN_HITS_FIRST as many. */
const EAGER_MIN_HITS_FIRST = 4;
/** Bits of the hash that pick an entry of the seen-once table (1 MiB of keys). */
const SEEN_BITS = 18;

/** One step of KnownFlows.key: `word` into `h`. */
function mix(h: number, word: number): number {
  h = Math.imul(h ^ word, 0x85ebca6b);
  return h ^ (h >>> 13);
}

export class KnownFlows<T> {
  /**
   * Per set, its ways' records side by side — key + 1 (0: empty), shape id, orientation, where the
   * identity lies in the arena — so a lookup reads one place (a cache line or two), not a slot
   * array, an entry object and its lengths array (three dependent reads that made the lookup a fifth
   * of a flow line's time, and slower still with two threads sharing the memory bus).
   */
  private readonly table = new Int32Array(SETS * SET_INTS);
  /** The remembered values, by slot (WAYS × set + way). */
  private readonly values: (T | undefined)[] = new Array<T | undefined>(WAYS * SETS).fill(undefined);
  /**
   * Per set, the way a fifth identity replaces: ways are replaced in turn, the one remembered first
   * first. Written only when an identity is remembered: a lookup writes nothing (the two-way table
   * noted the way used last on every hit, one more cache line written per line).
   */
  private readonly nextWay = new Uint8Array(SETS);
  private size = 0;
  /** Each identity's values, one after another, each as a 4-byte length and its bytes. */
  private readonly arena = new Uint8Array(ARENA_BYTES);
  private readonly arenaView = new DataView(this.arena.buffer);
  private arenaUsed = 0;
  /** Keys seen once, plus one (0 is an empty entry), at their low SEEN_BITS bits. */
  private readonly seenOnce = new Int32Array(1 << SEEN_BITS);
  /** Identities are remembered from their first sighting until that stops paying (see admit). */
  private eager = true;
  /** Identities remembered, and lookups that found one, since the last check of `eager`. */
  private remembered = 0;
  private hits = 0;
  /** Whether the first window has been checked. */
  private checked = false;

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
    const table = this.table;
    const base = set * SET_INTS;
    // Every way holding this key is tried (two identities may share a 30-bit key), up to the first
    // empty one: ways fill in order and are emptied only all at once.
    for (let way = 0; way < WAYS; way++) {
      const at = base + way * WAY_INTS;
      if (table[at] === 0) return undefined;
      if (table[at] !== key + 1 || table[at + 1] !== shape.id || table[at + 2] !== orientation || !this.holds(table[at + 3]!, view, line, values)) continue;
      this.hits++;
      return this.values[WAYS * set + way];
    }
    return undefined;
  }

  /** Whether the identity at arena offset `i` has this line's bytes in each value. */
  private holds(i: number, view: DataView<ArrayBufferLike>, line: ValuePositions, values: Int32Array): boolean {
    const arena = this.arenaView;
    for (let j = 0; j < values.length; j++) {
      const s = line.valueStart[values[j]!]!;
      const length = line.valueEnd[values[j]!]! - s;
      if (arena.getInt32(i, true) !== length || !sameBytes(arena, i + 4, view, s, length)) return false;
      i += 4 + length;
    }
    return true;
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

  /**
   * Whether to remember an identity `get` did not find. At first every identity is, from its first
   * sighting: a production cluster's ~37,000 identities repeat ~7 times an hour each, and
   * remembering them only on their second sighting built every event twice — a quarter of a shard's
   * lines. But identities that never repeat (a scan from a million addresses; a shard where every
   * record names a new node and pod) would only fill the cache with entries that live long enough to
   * be promoted: +120 MiB on the bench's 1 GiB flood, +320 MiB on its 300 MB nothing-repeats shard
   * (whose VMs' flows still repeat: ~17% of lookups hit). So every CHECK_EVERY identities remembered,
   * the lookups that found one are counted: fewer than half as many (fewer than a quarter in the
   * first window, while the cache fills), or a cache that filled, and from then on an identity is
   * remembered only from its second sighting (seenBefore). On the production shard the first window
   * finds ~51% and the second ~330%; the nothing-repeats shard ~14%; the flood none. Measured back to
   * back on one thread: the production shard's user time 1.17-1.61 s against 1.67-2.01 s with
   * second-sighting admission only; the nothing-repeats shard the same time, at 181 against 108 MiB.
   * (All measured while an identity was every field of both ends. Keyed by what decides the access,
   * those two shards hold under a thousand identities, and only clients known by their address
   * alone, as in the flood, still make one-offs.)
   */
  admit(key: number): boolean {
    if (!this.eager) return this.seenBefore(key);
    if (++this.remembered >= CHECK_EVERY) {
      if (this.hits * (this.checked ? EAGER_MIN_HITS : EAGER_MIN_HITS_FIRST) < this.remembered) this.eager = false;
      this.checked = true;
      this.remembered = 0;
      this.hits = 0;
    }
    return true;
  }

  /** Remembers this line's identity as `value`, its values' bytes copied (see seenBefore). */
  remember(key: number, buf: Buffer, line: ValuePositions, shape: Shape, orientation: number, values: Int32Array, value: T): void {
    let size = 0;
    for (let j = 0; j < values.length; j++) size += 4 + line.valueEnd[values[j]!]! - line.valueStart[values[j]!]!;
    // An identity too large for a fair share of the arena is not cached.
    if (size > ARENA_BYTES / 64) return;
    if (this.size >= LIMIT || this.arenaUsed + size > ARENA_BYTES) {
      this.eager = false;
      this.table.fill(0);
      this.values.fill(undefined);
      this.nextWay.fill(0);
      this.size = 0;
      this.arenaUsed = 0;
    }
    const start = this.arenaUsed;
    let i = start;
    for (let j = 0; j < values.length; j++) {
      const s = line.valueStart[values[j]!]!;
      const e = line.valueEnd[values[j]!]!;
      this.arenaView.setInt32(i, e - s, true);
      // Buffer#copy: no subarray per value (most of what remembering allocated), and native from
      // the first line on (a byte loop runs interpreted until it is hot: 18 ms of a 1,000-line audit).
      buf.copy(this.arena, i + 4, s, e);
      i += 4 + e - s;
    }
    this.arenaUsed = i;
    const set = key & (SETS - 1);
    const base = set * SET_INTS;
    const table = this.table;
    // An empty way, else the one whose turn it is (the way after it is next).
    let way = 0;
    while (way < WAYS && table[base + way * WAY_INTS] !== 0) way++;
    if (way === WAYS) {
      way = this.nextWay[set]!;
      this.nextWay[set] = (way + 1) % WAYS;
    } else this.size++;
    const at = base + way * WAY_INTS;
    table[at] = key + 1;
    table[at + 1] = shape.id;
    table[at + 2] = orientation;
    table[at + 3] = start;
    this.values[WAYS * set + way] = value;
  }
}
