/**
 * One string per distinct part of the flow identities a thread remembers (fast-path.ts, KnownFlows).
 * Made while an identity was every field of both ends: the bench's 300 MB production shard then
 * repeated 36,414 identities (pod × destination × direction), which named 3,040 sources, 6 targets,
 * 4 actions and 420 group keys (counted by running its lines through fastParse). Kept one copy per
 * identity, those strings were much of what the first sightings left behind — promoted to the old
 * generation, copied by every scavenge on the way, marked by every full collection after. Since
 * identities are keyed by what decides the access (847238a), that shard remembers 959, so there is
 * far less to share; whether the table still pays there has not been measured again.
 *
 * Exact: a string is shared only with an equal string. Bounded: the table is emptied when it reaches
 * STRINGS_LIMIT entries (what was handed out stays valid; later identities just share less).
 */

/**
 * Entries in the table: a cluster's parts fit, and where every identity names a new one (a shard of
 * one-off nodes and pods) the table costs at most a few MiB. (With sources shared too, at 65,536
 * entries that shard's peak RSS rose 171-175 → 231-234 MiB.)
 */
const STRINGS_LIMIT = 8_192;

export class SharedStrings {
  private readonly strings = new Map<string, string>();

  /** The one copy of `value` kept here. */
  string(value: string): string {
    const known = this.strings.get(value);
    if (known !== undefined) return known;
    if (this.strings.size >= STRINGS_LIMIT) this.strings.clear();
    this.strings.set(value, value);
    return value;
  }

  /** Distinct strings kept now. */
  get size(): number {
    return this.strings.size;
  }
}
