/**
 * One object per distinct part of the flow identities a thread remembers (fast-path.ts, KnownFlows):
 * the bench's 300 MB production shard repeats 36,414 identities (pod × destination × direction),
 * which name 3,040 sources, 6 targets, 4 actions and 420 group keys (counted by running its lines
 * through fastParse). Remembered one copy per identity, those parts were most of what the first
 * sightings left behind — promoted to the old generation, copied by every scavenge on the way,
 * marked by every full collection after.
 *
 * Exact: a source is shared only with a source of equal details (sameDetails, or detailsKey, which is
 * injective), a string only with an equal string. Bounded: the strings' table, and the sources' two
 * maps together, are emptied when they reach PARTS_LIMIT entries (what was handed out stays valid;
 * later identities just share less).
 */
import type { Source, SourceDetails } from '../access-event.js';
import { copySource } from '../source-identity.js';

/**
 * Entries per table: a cluster's sources fit, and where every identity names a new one (a shard of
 * one-off nodes and pods) a table costs at most a few MiB of keys and copies. At 65,536 that shard's
 * peak RSS rose 171-175 → 231-234 MiB.
 */
const PARTS_LIMIT = 8_192;

/** A field for detailsKey: its length, then its text (`~` when absent), so no two field lists join alike. */
function field(value: string | number | boolean | undefined): string {
  if (value === undefined) return '~';
  const text = String(value);
  return `${text.length}:${text}`;
}

/**
 * A string naming `details` exactly: equal for equal details, different for different ones, whatever
 * the fields hold. (A source's key and identities follow from its details: buildSource.)
 */
export function detailsKey(details: SourceDetails): string {
  const { ip, gke, vm, vpc, location, viaCloudSqlProxy } = details;
  let key = field(ip) + field(viaCloudSqlProxy);
  key += gke ? `g${field(gke.cluster)}${field(gke.location)}${field(gke.namespace)}${field(gke.pod)}${field(gke.workload)}${field(gke.service)}` : '-';
  key += vm ? `v${field(vm.name)}${field(vm.project)}${field(vm.zone)}` : '-';
  key += vpc ? `n${field(vpc.project)}${field(vpc.network)}${field(vpc.subnetwork)}` : '-';
  key += location ? `l${field(location.asn)}${field(location.country)}${field(location.region)}${field(location.city)}${field(location.continent)}` : '-';
  return key;
}

/**
 * Whether two sources' details are equal, field by field: true exactly where detailsKey gives both
 * one key (the shared-parts test holds the two to each other), without building a key. The fields
 * that name places and groups are the very same strings line after line (fast-path.ts takes them
 * from RecentStrings), so most comparisons end at a pointer.
 */
export function sameDetails(a: SourceDetails, b: SourceDetails): boolean {
  if (a.ip !== b.ip || a.viaCloudSqlProxy !== b.viaCloudSqlProxy) return false;
  const ag = a.gke;
  const bg = b.gke;
  if (ag !== bg && (!ag || !bg || ag.cluster !== bg.cluster || ag.location !== bg.location || ag.namespace !== bg.namespace || ag.pod !== bg.pod || ag.workload !== bg.workload || ag.service !== bg.service)) return false;
  const am = a.vm;
  const bm = b.vm;
  if (am !== bm && (!am || !bm || am.name !== bm.name || am.project !== bm.project || am.zone !== bm.zone)) return false;
  const an = a.vpc;
  const bn = b.vpc;
  if (an !== bn && (!an || !bn || an.project !== bn.project || an.network !== bn.network || an.subnetwork !== bn.subnetwork)) return false;
  const al = a.location;
  const bl = b.location;
  return al === bl || (!!al && !!bl && al.asn === bl.asn && al.country === bl.country && al.region === bl.region && al.city === bl.city && al.continent === bl.continent);
}

/** Sources looked up between two checks of whether sharing them pays (SharedParts.source). */
const CHECK_EVERY = 4_096;

export class SharedParts {
  private readonly strings = new Map<string, string>();
  /** The first source kept for each address (`ip`, '' without one) … */
  private readonly byAddress = new Map<string, Source>();
  /** … and any other kept for an address, by detailsKey. Together at most PARTS_LIMIT. */
  private readonly others = new Map<string, Source>();
  /** Whether sources are shared (see source), and the lookups and hits since the last check. */
  private sharing = true;
  private lookups = 0;
  private hits = 0;

  /** The one copy of `value` kept here. */
  string(value: string): string {
    const known = this.strings.get(value);
    if (known !== undefined) return known;
    if (this.strings.size >= PARTS_LIMIT) this.strings.clear();
    this.strings.set(value, value);
    return value;
  }

  /**
   * The source kept here with `source`'s details: a copy of the first one seen (the parser's own
   * object is never kept: see copySource), so no object of the line outlives it. Sharing stops for
   * good once fewer than a quarter of CHECK_EVERY lookups find a source: where every identity names
   * a new node and pod, the table and its keys only kept more alive (that shard's peak RSS 171-175 →
   * 231-234 MiB, at 8,192 entries or 65,536 alike; with V8's own young-generation sizing, sampled at
   * the peak: old space 35 → 78 MiB and the young generation 64 → 128 MiB; under the CLI's cap,
   * 131 → 142-145 MiB). Measured on the bench's shards: the production cluster's first 4,096
   * lookups find 46% (its pods still being met), later ones 84-100%; the nothing-repeats shard's
   * first 4,096 find 8.5%.
   *
   * Found by address first, compared field by field (sameDetails); only an address met with other
   * details builds a key. Building the key and hashing it (~1 µs each) for every identity remembered
   * took 87 ms of the first 64 MiB of the 300 MB production shard (profiled, ~25,000 identities);
   * now 46 (source 26, sameDetails 20). Whole-shard times moved within noise (one thread, 300 MB
   * 1.08 against 1.06 s, 1 GiB 2.73 against 2.62 s, medians of 8 and 4 alternating runs).
   */
  source(source: Source): Source {
    if (!this.sharing) return copySource(source);
    if (++this.lookups === CHECK_EVERY) {
      this.sharing = this.hits * 4 >= this.lookups;
      this.lookups = this.hits = 0;
    }
    const details = source.details;
    const address = details.ip ?? '';
    const first = this.byAddress.get(address);
    if (first !== undefined && sameDetails(first.details, details)) {
      this.hits++;
      return first;
    }
    // Every address kept since the last clear has its first source in byAddress: a new address is new.
    const key = first === undefined ? undefined : detailsKey(details);
    const known = key === undefined ? undefined : this.others.get(key);
    if (known !== undefined) {
      this.hits++;
      return known;
    }
    if (this.byAddress.size + this.others.size >= PARTS_LIMIT) {
      this.byAddress.clear();
      this.others.clear();
    }
    const kept = copySource(source);
    if (key === undefined || !this.byAddress.has(address)) this.byAddress.set(address, kept);
    else this.others.set(key, kept);
    return kept;
  }
}
