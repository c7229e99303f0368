/**
 * The fast path: decides the common VPC-flow and Cloud Storage audit lines straight from their
 * bytes — one pass of LineScanner (or a match against a known line shape), no JSON.parse, no zod —
 * and falls back to the full parser for anything it cannot vouch for:
 *
 * - A line with a backslash (escaped quotes, unicode escapes) always takes the full path. Without
 *   one, every `"` delimits a string and a string's bytes are its value.
 * - Every field it reads is type-checked as the zod schemas would; a wrong type, a missing required
 *   field, a number that is not a plain integer, invalid UTF-8, an implausible timestamp, or a
 *   shape it does not model (delegation chains, caller networks, ASNs given as strings) returns
 *   undefined: the full parser decides, counts and reports.
 *
 * What follows from a line's shape alone is decided once per shape (FlowShape): its envelope and
 * type checks, whether its log name is fixed, where its time is, which of its values decide a flow's
 * access. What repeats from line to line is reused, in bounded caches: flow identities (by line
 * shape and the few values of that shape that decide the access, verified byte for byte), field
 * strings, GCS sources, credentials and group keys. A flow line of a known shape is returned as a
 * RepeatedAccess — no event built, its time read in ms from the bytes, its time and insertId
 * strings decoded only if a group keeps them: with the access remembered for its identity, or for a
 * new identity the access decided from this line. Accesses and events are built by the same
 * functions as the full parsers (flowAccess, flowEvent, gcsEvent), and a differential test checks
 * that both paths give the same events, the same groups and the same findings.
 */
import { isUtf8 } from 'node:buffer';
import { eventRef, type AccessEvent, type Credential, type Source, type SourceDetails } from '../access-event.js';
import { LineScanner } from './line-scanner.js';
import type { Shape } from './line-shapes.js';
import { KnownFlows } from './known-flows.js';
import { SharedStrings } from './shared-strings.js';
import { T_ARRAY, T_FALSE, T_NULL, T_NUMBER, T_OBJECT, T_STRING, T_TRUE } from './json-tokens.js';
import { ownView, sameBytes, viewOf } from './bytes.js';
import { rfc3339Ms } from './timestamp-bytes.js';
import { auditCredential, gcsEvent, serviceAccountKeyId } from './gcs-data-access.js';
import { plausibleMs, type ParseContext } from './log-entry.js';
import { groupKey, groupKeyOf } from '../detect/access-group.js';
import { buildSource, sourceKey } from '../source-identity.js';
import { flowAccess, flowEvent, isResponseDirection } from './vpc-flow.js';
import { ONE_LINE, RepeatedAccess, type KnownAccess } from '../repeated-access.js';

/** What the flow parser reads about each end (`src_…` / `dest_…`), by name: one table for paths and slots. */
const END_FIELDS = {
  gke: 'gke_details',
  cluster: 'gke_details.cluster',
  clusterName: 'gke_details.cluster.cluster_name',
  clusterLocation: 'gke_details.cluster.cluster_location',
  pod: 'gke_details.pod',
  podName: 'gke_details.pod.pod_name',
  podNamespace: 'gke_details.pod.pod_namespace',
  podWorkload: 'gke_details.pod.pod_workload',
  workloadName: 'gke_details.pod.pod_workload.workload_name',
  service: 'gke_details.service',
  service0: 'gke_details.service[0]',
  serviceName: 'gke_details.service[0].service_name',
  instance: 'instance',
  vmName: 'instance.vm_name',
  vmProject: 'instance.project_id',
  vmZone: 'instance.zone',
  vpc: 'vpc',
  vpcProject: 'vpc.project_id',
  vpcName: 'vpc.vpc_name',
  subnetwork: 'vpc.subnetwork_name',
  location: 'location',
  asn: 'location.asn',
  country: 'location.country',
  region: 'location.region',
  city: 'location.city',
  continent: 'location.continent',
} as const;
type EndField = keyof typeof END_FIELDS;
const endPaths = (end: 'src' | 'dest') => Object.values(END_FIELDS).map((suffix) => `jsonPayload.${end}_${suffix}`);

const PATHS = [
  // The LogEntry envelope (types checked like logEntrySchema).
  'logName',
  'insertId',
  'severity',
  'timestamp',
  'receiveTimestamp',
  'textPayload',
  'resource',
  'resource.type',
  'resource.labels',
  'resource.labels.bucket_name',
  // VPC flows.
  'jsonPayload',
  'jsonPayload.connection',
  'jsonPayload.connection.src_ip',
  'jsonPayload.connection.dest_ip',
  'jsonPayload.connection.src_port',
  'jsonPayload.connection.dest_port',
  'jsonPayload.connection.protocol',
  'jsonPayload.start_time',
  ...endPaths('src'),
  ...endPaths('dest'),
  // Cloud Storage data access.
  'protoPayload',
  'protoPayload.@type',
  'protoPayload.serviceName',
  'protoPayload.methodName',
  'protoPayload.resourceName',
  'protoPayload.authenticationInfo',
  'protoPayload.authenticationInfo.principalEmail',
  'protoPayload.authenticationInfo.principalSubject',
  'protoPayload.authenticationInfo.serviceAccountDelegationInfo',
  'protoPayload.authenticationInfo.serviceAccountKeyName',
  'protoPayload.requestMetadata',
  'protoPayload.requestMetadata.callerIp',
  'protoPayload.requestMetadata.callerSuppliedUserAgent',
  'protoPayload.requestMetadata.callerNetwork',
  'protoPayload.status',
  'protoPayload.status.code',
  'protoPayload.status.message',
  'protoPayload.authorizationInfo',
  'protoPayload.authorizationInfo[0]',
  'protoPayload.authorizationInfo[*]',
  'protoPayload.authorizationInfo[0].granted',
  'protoPayload.authorizationInfo[*].granted',
] as const;

/** Slot number of each path, resolved once (the hot path never builds or looks up path strings). */
const S: Record<string, number> = Object.fromEntries(PATHS.map((p, i) => [p, i]));
const scanner = new LineScanner(PATHS);

function endSlots(end: 'src' | 'dest'): Record<EndField, number> {
  return Object.fromEntries(Object.entries(END_FIELDS).map(([name, suffix]) => [name, S[`jsonPayload.${end}_${suffix}`]!])) as Record<EndField, number>;
}
const END_SLOTS = { src: endSlots('src'), dest: endSlots('dest') };
/** Each end's address (in the connection, not under the end's own fields). */
const END_IP_SLOTS = { src: S['jsonPayload.connection.src_ip']!, dest: S['jsonPayload.connection.dest_ip']! };

/**
 * Values of a field that repeats (a method, a principal, a caller address): a line whose bytes equal
 * a remembered value's gets the same string, instead of decoding a new one. Direct-mapped by a hash
 * of the bytes, 4,096 slots, each keeping its own buffer (reused when a value replaces another), so
 * a bucket read by hundreds of principals from hundreds of addresses still finds its strings: the
 * earlier 16 most recent values missed on almost every line there, and copying each miss's bytes
 * into a new buffer took 12% of the audit and much of its garbage.
 */
class RecentStrings {
  // Made on the first value: most fields never have one in a given run (a flow audit reads no
  // Cloud Storage field), and 36 tables made at import were ~2.9 MB for start-up to fill and copy.
  private views: (DataView<ArrayBuffer> | undefined)[] = [];
  private lengths = new Int32Array(0);
  private strings: string[] = [];

  get(buf: Buffer, start: number, end: number): string {
    if (this.lengths.length === 0) this.allocate();
    const length = end - start;
    const view = viewOf(buf);
    let h = 0x811c9dc5 ^ length;
    // The first and last eight bytes and the length: enough to spread values, read in place.
    for (let i = start; i < Math.min(end, start + 8); i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
    for (let i = Math.max(start + 8, end - 8); i < end; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
    const slot = (h ^ (h >>> 15)) & (RECENT_SLOTS - 1);
    const known = this.views[slot];
    if (known !== undefined && this.lengths[slot] === length && sameBytes(view, start, known, 0, length)) return this.strings[slot]!;
    const value = buf.toString('utf8', start, end);
    if (length <= 512) {
      let own = known;
      if (own === undefined || own.byteLength < length) own = this.views[slot] = new DataView(new ArrayBuffer(Math.max(32, length)));
      new Uint8Array(own.buffer, 0, length).set(buf.subarray(start, end));
      this.lengths[slot] = length;
      this.strings[slot] = value;
    }
    return value;
  }

  private allocate(): void {
    this.views = new Array<DataView<ArrayBuffer> | undefined>(RECENT_SLOTS).fill(undefined);
    this.lengths = new Int32Array(RECENT_SLOTS);
    this.strings = new Array<string>(RECENT_SLOTS).fill('');
  }
}
const RECENT_SLOTS = 4096;

/**
 * A flow end's fields that name a place or a group, not one node or pod: few values, repeated line
 * after line. Decoding them for every event a line builds was most of the nothing-repeats shard's
 * string decoding (utf8Slice and toString: 665 of 3,556 ms profiled); reused, 262 ms, and the
 * shard took 1.51 against 1.65 s (medians of 8 alternating runs, one thread), the flood 6.10
 * against 6.22 s at 145 against 163 MiB. A node's or pod's name and an address are left out: where
 * every record names a new one, a slot would only be refilled.
 */
const REPEATING_END_FIELDS: readonly EndField[] = ['clusterName', 'clusterLocation', 'podNamespace', 'workloadName', 'serviceName', 'vmProject', 'vmZone', 'vpcProject', 'vpcName', 'subnetwork', 'country', 'region', 'city', 'continent'];

/** Fields whose values repeat from line to line: their strings are reused (RecentStrings). */
const INTERNED: (RecentStrings | undefined)[] = PATHS.map((path) =>
  [
    'protoPayload.@type',
    'protoPayload.serviceName',
    'protoPayload.methodName',
    'protoPayload.authenticationInfo.principalEmail',
    'protoPayload.requestMetadata.callerIp',
    'protoPayload.requestMetadata.callerSuppliedUserAgent',
    'protoPayload.status.message',
    'resource.labels.bucket_name',
    ...REPEATING_END_FIELDS.flatMap((field) => [`jsonPayload.src_${END_FIELDS[field]}`, `jsonPayload.dest_${END_FIELDS[field]}`]),
  ].includes(path)
    ? new RecentStrings()
    : undefined,
);

/** Thrown when the fast path cannot vouch for a line; caught once, in fastParse. */
const FALLBACK = new Error('fast path fallback');

/** Typed reads of the scanned line's fields; one instance, pointed at each line in turn. */
class Line {
  buf: Buffer = Buffer.alloc(0);

  has(slot: number): boolean {
    return scanner.count[slot]! > 0;
  }

  /** The string at `path`; undefined when absent; null counts as absent only where `nullable`. */
  str(slot: number, nullable = false): string | undefined {
    if (scanner.count[slot] === 0) return undefined;
    const type = scanner.type[slot];
    if (type === T_NULL && nullable) return undefined;
    if (type !== T_STRING || scanner.count[slot]! > 1) throw FALLBACK;
    const strings = INTERNED[slot];
    return strings ? strings.get(this.buf, scanner.startOf(slot), scanner.endOf(slot)) : this.buf.toString('utf8', scanner.startOf(slot), scanner.endOf(slot));
  }

  /** Type-checks a field without reading it: absent, or a single value of `type` (or null where nullable). */
  check(slot: number, type: number, nullable = false): boolean {
    const count = scanner.count[slot]!;
    if (count === 0) return false;
    const t = scanner.type[slot];
    if (count > 1 || (t !== type && !(nullable && t === T_NULL))) throw FALLBACK;
    return t === type;
  }

  /** True when the string at `slot` ends with `suffix` (bytes compared in place). */
  endsWith(slot: number, suffix: DataView): boolean {
    if (!this.check(slot, T_STRING)) return false;
    const e = scanner.endOf(slot);
    const s = e - suffix.byteLength;
    return s >= scanner.startOf(slot) && sameBytes(viewOf(this.buf), s, suffix, 0, suffix.byteLength);
  }

  /** A non-negative integer of at most 9 digits; anything else numeric falls back. */
  int(slot: number): number | undefined {
    if (scanner.count[slot] === 0) return undefined;
    if (scanner.type[slot] !== T_NUMBER || scanner.count[slot]! > 1) throw FALLBACK;
    return plainInt(this.buf, scanner.startOf(slot), scanner.endOf(slot));
  }

  /** True when an object is at `path`; falls back when something else is. */
  obj(slot: number, nullable = false): boolean {
    if (scanner.count[slot] === 0) return false;
    if (scanner.type[slot] === T_NULL && nullable) return false;
    if (scanner.type[slot] !== T_OBJECT || scanner.count[slot]! > 1) throw FALLBACK;
    return true;
  }
}
const LINE = new Line();

/**
 * The ms of the timestamp string at `slot` when it is plausible (the rule of checkTime in the full
 * parsers), read from its bytes; anything else — absent, empty, not a string, implausible — falls back.
 */
function timeMs(line: Line, slot: number, ctx: ParseContext): number {
  if (!line.check(slot, T_STRING)) throw FALLBACK;
  return timeMsAt(line.buf, scanner.startOf(slot), scanner.endOf(slot), ctx);
}

/** timeMs for a string already known to be at [s, e). */
function timeMsAt(buf: Buffer, s: number, e: number, ctx: ParseContext): number {
  if (e === s) throw FALLBACK;
  let ms = rfc3339Ms(buf, s, e);
  if (Number.isNaN(ms)) ms = Date.parse(buf.toString('utf8', s, e));
  if (!plausibleMs(ms, ctx)) throw FALLBACK;
  return ms;
}

/** The two routes flow records arrive by (formats.md §5): subnet flow logs, and Network Management API configs. Same body. */
const VPC_FLOWS_LOG_NAME = ownView(Buffer.from('/logs/compute.googleapis.com%2Fvpc_flows', 'latin1'));
const NM_VPC_FLOWS_LOG_NAME = ownView(Buffer.from('/logs/networkmanagement.googleapis.com%2Fvpc_flows', 'latin1'));

/** Cloud Storage lines of the Data Access log only: others (VPC Service Controls denials in the policy log) go to the full parser. */
const DATA_ACCESS_LOG_NAME = ownView(Buffer.from('/logs/cloudaudit.googleapis.com%2Fdata_access', 'latin1'));

function isFlowLogName(line: Line): boolean {
  return line.endsWith(S['logName']!, VPC_FLOWS_LOG_NAME) || line.endsWith(S['logName']!, NM_VPC_FLOWS_LOG_NAME);
}

/**
 * Decides one line [start, end) of `chunk`, or undefined to let the full parser decide. `utf8`
 * says the caller has already checked that the chunk is valid UTF-8 (once per chunk, not per line).
 */
export function fastParse(chunk: Buffer, lineStart: number, lineEnd: number, ctx: ParseContext, utf8 = false): AccessEvent | RepeatedAccess | 'skip' | undefined {
  linesBegun++;
  if (lineEnd - lineStart < 2 || chunk[lineStart] !== 0x7b || !scanner.scan(chunk, lineStart, lineEnd)) return undefined;
  if (!utf8 && !isUtf8(chunk.subarray(lineStart, lineEnd))) return undefined;
  const buf = chunk;
  const line = LINE;
  line.buf = buf;
  const shape = scanner.shape;
  try {
    // A line of a shape already decided to be a flow's: its envelope and types are that shape's.
    const memo = shape?.memo;
    if (memo instanceof FlowShape) return memo.logNameFixed || isFlowLogName(line) ? flow(line, buf, ctx, memo) : undefined;
    if (memo === NOT_DECIDABLE) return undefined;
    // The envelope, typed as logEntrySchema types it (checked in place: no strings are made).
    line.check(S['severity']!, T_STRING);
    line.check(S['receiveTimestamp']!, T_STRING);
    if (line.has(S['textPayload']!)) return undefined;
    if (line.obj(S['resource']!)) {
      line.check(S['resource.type']!, T_STRING);
      line.obj(S['resource.labels']!);
    }
    // Type-checked here, decoded only where an event keeps it.
    line.check(S['insertId']!, T_STRING);
    if (line.obj(S['jsonPayload']!, true)) {
      if (line.has(S['protoPayload']!)) return undefined;
      if (!isFlowLogName(line)) return undefined;
      if (!shape) return flow(line, buf, ctx, undefined);
      // The first flow line of this shape: what holds for all of them is decided once.
      shape.memo = flowShape(line, shape);
      return shape.memo instanceof FlowShape ? flow(line, buf, ctx, shape.memo) : undefined;
    }
    line.check(S['logName']!, T_STRING);
    if (line.obj(S['protoPayload']!, true)) return line.str(S['protoPayload.serviceName']!) === 'storage.googleapis.com' && line.endsWith(S['logName']!, DATA_ACCESS_LOG_NAME) ? gcs(line, ctx) : undefined;
    return undefined;
  } catch (error) {
    if (error === FALLBACK) return undefined;
    throw error;
  }
}

// --- VPC flows -------------------------------------------------------------------------------

/**
 * What a line says of one end of its flow, as the full parser reads it. With `whole` false, only
 * what the end's source key and the flow's target need (a client end, see FlowAccessOfIdentity):
 * a GKE end's location, pod, workload and service and its node's VM are type-checked exactly as
 * when decoded (so reading them later cannot fall back) but not decoded. On the nothing-repeats
 * shard those are a new pod's and node's names on every line, decoded for nothing wherever the
 * line's group exists.
 */
function flowEnd(line: Line, end: 'src' | 'dest', ip: string, whole = true): SourceDetails {
  const k = END_SLOTS[end];
  const details: SourceDetails = { ip };
  if (line.obj(k.gke)) {
    if (!line.obj(k.cluster)) throw FALLBACK;
    const cluster = line.str(k.clusterName);
    if (cluster === undefined) throw FALLBACK;
    const location = whole ? line.str(k.clusterLocation) : (line.check(k.clusterLocation, T_STRING), undefined);
    const pod = line.obj(k.pod);
    const namespace = pod ? line.str(k.podNamespace) : undefined;
    const podName = !pod ? undefined : whole ? line.str(k.podName) : (line.check(k.podName, T_STRING), undefined);
    const hasWorkload = pod && line.obj(k.podWorkload);
    const workload = !hasWorkload ? undefined : whole ? line.str(k.workloadName) : (line.check(k.workloadName, T_STRING), undefined);
    let service: string | undefined;
    if (line.has(k.service)) {
      if (scanner.type[k.service] !== T_ARRAY) throw FALLBACK;
      if (line.has(k.service0)) {
        if (!line.obj(k.service0)) throw FALLBACK;
        service = whole ? line.str(k.serviceName) : (line.check(k.serviceName, T_STRING), undefined);
      }
    }
    // Fields set one by one in the full parser's order (no spread of a temporary per field).
    const gke: NonNullable<SourceDetails['gke']> = { cluster };
    if (location) gke.location = location;
    if (namespace) gke.namespace = namespace;
    if (podName) gke.pod = podName;
    if (workload) gke.workload = workload;
    if (service) gke.service = service;
    details.gke = gke;
  }
  if (line.obj(k.instance)) {
    if (whole || !details.gke) {
      const name = line.str(k.vmName);
      if (name === undefined) throw FALLBACK;
      const project = line.str(k.vmProject);
      const zone = line.str(k.vmZone);
      const vm: NonNullable<SourceDetails['vm']> = { name };
      if (project) vm.project = project;
      if (zone) vm.zone = zone;
      details.vm = vm;
    } else {
      // A GKE end's key is its cluster's, not its node's.
      if (!line.check(k.vmName, T_STRING)) throw FALLBACK;
      line.check(k.vmProject, T_STRING);
      line.check(k.vmZone, T_STRING);
    }
  }
  if (line.obj(k.vpc)) {
    const project = line.str(k.vpcProject);
    const network = line.str(k.vpcName);
    const subnetwork = line.str(k.subnetwork);
    const vpc: NonNullable<SourceDetails['vpc']> = {};
    if (project) vpc.project = project;
    if (network) vpc.network = network;
    if (subnetwork) vpc.subnetwork = subnetwork;
    details.vpc = vpc;
  }
  if (line.obj(k.location)) {
    const asn = line.int(k.asn);
    const country = line.str(k.country);
    const region = line.str(k.region);
    const city = line.str(k.city);
    const continent = line.str(k.continent);
    const where: NonNullable<SourceDetails['location']> = {};
    if (asn !== undefined) where.asn = asn;
    if (country) where.country = country;
    if (region) where.region = region;
    if (city) where.city = city;
    if (continent) where.continent = continent;
    details.location = where;
  }
  return details;
}

/** What a flow of a known identity becomes, or 'skip'. */
type FlowIdentity = FlowAccessOfIdentity | 'skip';

/** The fields a flow's access and source are read from: a shape with any of them twice is left to the full parser. */
const FLOW_ENDS_SLOTS = Int32Array.from([
  END_IP_SLOTS.src,
  END_IP_SLOTS.dest,
  S['jsonPayload.connection.protocol']!,
  ...(['src', 'dest'] as const).flatMap((end) => [END_SLOTS[end].gke, END_SLOTS[end].instance, END_SLOTS[end].vpc, END_SLOTS[end].location]),
]);

/**
 * The fields whose values decide a flow's access — its target, its source's key and its action, or
 * that it is skipped — when `client` is its client end, given whether that end has GKE details and a
 * VM (which a line's shape decides), with the line's orientation (direction and server port):
 * - the protocol (the action) and the server's address (the target, or a skip);
 * - the server's cluster, namespace, workload and service (a GKE target's name), and both ends' VPC
 *   (a private target is named within one; an address-less client is keyed by its subnet);
 * - both ends' location, whose ASN is the one value flowEnd checks beyond its type (plainInt);
 * - the client's key (sourceKey): its cluster and namespace when it has GKE details, else its VM's
 *   project and name, else its address.
 * Not among them: the client's address, pod, workload, service and cluster location when the client
 * is a pod; its node's or VM's zone; the server's pod, cluster location and VM. Those go only into
 * the source's other identities, built from the line itself when read (FlowAccessOfIdentity). In the
 * records of the bench's 300 MB production shard, 36,374 distinct combinations of every field of
 * both ends make 840 of these; in its nothing-repeats shard (a new pod and node on every line),
 * 233,146 make 840. The cache then holds 959 and 960 accesses (line shapes split a few).
 */
function accessSlots(client: 'src' | 'dest', clientHasGke: boolean, clientHasVm: boolean): number[] {
  const server = client === 'src' ? 'dest' : 'src';
  const c = END_SLOTS[client];
  const s = END_SLOTS[server];
  const slots = [S['jsonPayload.connection.protocol']!, END_IP_SLOTS[server], s.clusterName, s.podNamespace, s.workloadName, s.serviceName, s.vpc, c.vpc, s.location, c.location];
  if (clientHasGke) slots.push(c.clusterName, c.podNamespace);
  else if (clientHasVm) slots.push(c.vmName, c.vmProject);
  else slots.push(END_IP_SLOTS[client]);
  return slots;
}

/**
 * What holds for every line of one line shape whose envelope passed as a flow's (Shape.memo): the
 * envelope and type checks, which depend only on the shape's record of types and counts, and:
 */
class FlowShape {
  constructor(
    /** The shape this holds for (its memo). */
    readonly shape: Shape,
    /** logName lies in the shape's constant bytes, so every line's is the first line's flow log name; else it is checked per line. */
    readonly logNameFixed: boolean,
    /** Where the flow's time is: start_time when the shape has it, else timestamp (both strings). */
    readonly timeSlot: number,
    /**
     * The shape's variable values that lie in the fields deciding an access (accessSlots), for a
     * request (index 0: the client is src) and for a response (1: dest). Two lines of the shape with
     * the same orientation and equal values there have byte-identical fields there (Shape.valuesIn),
     * so they parse to the same target, source key and action, and pass or fail the same checks.
     */
    readonly access: readonly [Int32Array, Int32Array],
    /**
     * src_port, dest_port and protocol: the value holding each (-1 when the shape fixes it), and its
     * number where the shape fixes it (undefined when absent).
     */
    readonly numberValue: Int32Array,
    readonly numberFixed: readonly (number | undefined)[],
    /** The value holding the time (-1 when the shape fixes it). */
    readonly timeValue: number,
    /** The value holding the insertId: -1 when the shape fixes it, NO_VALUE when it has none. */
    readonly idValue: number,
  ) {}

  /** Where the time, or the insertId, of the line just matched to this shape starts and ends. */
  timeStart(): number {
    return this.timeValue < 0 ? scanner.startOf(this.timeSlot) : scanner.valueStart[this.timeValue]!;
  }
  timeEnd(): number {
    return this.timeValue < 0 ? scanner.endOf(this.timeSlot) : scanner.valueEnd[this.timeValue]!;
  }
  idStart(): number {
    return this.idValue >= 0 ? scanner.valueStart[this.idValue]! : this.idValue === NO_VALUE ? -1 : scanner.startOf(ID_SLOT);
  }
  idEnd(): number {
    return this.idValue >= 0 ? scanner.valueEnd[this.idValue]! : this.idValue === NO_VALUE ? -1 : scanner.endOf(ID_SLOT);
  }

  /** src_port, dest_port or protocol (`n` 0, 1, 2) of the line just matched to this shape. */
  number(n: number, buf: Buffer): number | undefined {
    const k = this.numberValue[n]!;
    return k < 0 ? this.numberFixed[n] : plainInt(buf, scanner.valueStart[k]!, scanner.valueEnd[k]!);
  }
}
const NUMBER_SLOTS = [S['jsonPayload.connection.src_port']!, S['jsonPayload.connection.dest_port']!, S['jsonPayload.connection.protocol']!];
const ID_SLOT = S['insertId']!;

const NO_VALUE = -2;

/** The value holding a string slot's content: -1 when the shape fixes it, NO_VALUE when the slot is absent. */
function variableValue(shape: Shape, slot: number): number {
  if (scanner.count[slot] === 0) return NO_VALUE;
  const [first, end] = shape.valuesIn(slot);
  return first < end ? first : -1;
}

/** The bytes [s, e) as a non-negative integer of at most 9 digits; anything else falls back. */
function plainInt(buf: Buffer, s: number, e: number): number {
  if (e - s > 9) throw FALLBACK;
  let n = 0;
  for (let i = s; i < e; i++) {
    const c = buf[i]!;
    if (c < 0x30 || c > 0x39) throw FALLBACK;
    n = n * 10 + (c - 0x30);
  }
  return n;
}

/** Shape.memo of a shape whose lines the fast path cannot decide (a duplicate key, a wrong type). */
const NOT_DECIDABLE = Symbol('not decidable');

/** Decides a shape's FlowShape from one of its lines (whose envelope passed as a flow's). */
function flowShape(line: Line, shape: Shape): FlowShape | typeof NOT_DECIDABLE {
  try {
    if (!line.obj(S['jsonPayload.connection']!)) return NOT_DECIDABLE;
    const timeSlot = line.check(S['jsonPayload.start_time']!, T_STRING) ? S['jsonPayload.start_time']! : S['timestamp']!;
    if (!line.check(timeSlot, T_STRING)) return NOT_DECIDABLE;
    for (const slot of FLOW_ENDS_SLOTS) if (scanner.count[slot]! > 1) return NOT_DECIDABLE;
    const accessValues = (client: 'src' | 'dest') => {
      const values = new Set<number>();
      for (const slot of accessSlots(client, scanner.count[END_SLOTS[client].gke]! > 0, scanner.count[END_SLOTS[client].instance]! > 0)) {
        const [first, end] = shape.valuesIn(slot);
        for (let k = first; k < end; k++) values.add(k);
      }
      return Int32Array.from([...values].sort((a, b) => a - b));
    };
    const numberValue = new Int32Array(3).fill(-1);
    const numberFixed: (number | undefined)[] = [];
    NUMBER_SLOTS.forEach((slot, n) => {
      const [first, end] = shape.valuesIn(slot);
      // A value's type is the shape's (checked once); its digits are each line's. A number the
      // shape fixes (or its absence) is read once.
      if (first < end) {
        line.check(slot, T_NUMBER);
        numberValue[n] = first;
      } else numberFixed[n] = line.int(slot);
    });
    const [first, end] = shape.valuesIn(S['logName']!);
    return new FlowShape(shape, first === end, timeSlot, [accessValues('src'), accessValues('dest')], numberValue, numberFixed, variableValue(shape, timeSlot), variableValue(shape, ID_SLOT));
  } catch (error) {
    if (error === FALLBACK) return NOT_DECIDABLE;
    throw error;
  }
}

/** Flow identities seen in this thread (see KnownFlows): its ~23 MiB of tables made on the first flow line, so other batches never pay for them. */
let knownFlowsOfThread: KnownFlows<FlowIdentity> | undefined;

/** The strings the identities of knownFlowsOfThread share. */
const parts = new SharedStrings();

/** The event's ref, as the parsers build it (eventRef). */
function refOf(line: Line, ctx: ParseContext): AccessEvent['ref'] {
  return eventRef(ctx.ref, line.str(S['insertId']!));
}

/** Refilled for every flow line of a known identity (see RepeatedAccess). */
const REPEAT = new RepeatedAccess();

/**
 * A flow line. Lines of a known shape (with its FlowShape) are looked up by identity, and handed on
 * as a RepeatedAccess whether found or not; a line scanned in full is checked and built in full.
 */
function flow(line: Line, buf: Buffer, ctx: ParseContext, known: FlowShape | undefined): AccessEvent | RepeatedAccess | 'skip' {
  if (!known && !line.obj(S['jsonPayload.connection']!)) throw FALLBACK;
  const srcPort = known ? known.number(0, buf) : line.int(S['jsonPayload.connection.src_port']!);
  const destPort = known ? known.number(1, buf) : line.int(S['jsonPayload.connection.dest_port']!);
  const protocol = known ? known.number(2, buf) : line.int(S['jsonPayload.connection.protocol']!);
  if ((srcPort ?? 0) > 65535 || (destPort ?? 0) > 65535) throw FALLBACK;
  // start_time when present, else the entry's timestamp.
  const timeSlot = known ? known.timeSlot : line.check(S['jsonPayload.start_time']!, T_STRING) ? S['jsonPayload.start_time']! : S['timestamp']!;
  if (!known && !line.check(timeSlot, T_STRING)) throw FALLBACK;
  const timeStart = known ? known.timeStart() : scanner.startOf(timeSlot);
  const timeEnd = known ? known.timeEnd() : scanner.endOf(timeSlot);
  const ms = timeMsAt(buf, timeStart, timeEnd, ctx);
  // Which port is the server's decides the target; the client's ephemeral port is not identity.
  const response = isResponseDirection(srcPort, destPort);
  const serverPort = (response ? srcPort : destPort) ?? 0x1ffff;
  const orientation = (response ? 0x20000 : 0) | serverPort;
  const view = viewOf(buf);
  const knownFlows = (knownFlowsOfThread ??= new KnownFlows<FlowIdentity>());
  const values = known ? known.access[response ? 1 : 0]! : undefined;
  const key = known ? knownFlows.key(view, scanner, known.shape, orientation, values!) : -1;
  const cached = known ? knownFlows.get(key, view, scanner, known.shape, orientation, values!) : undefined;
  if (cached === 'skip') return 'skip';
  if (cached) {
    cached.line = linesBegun;
    return REPEAT.set(cached, ms, buf, timeStart, timeEnd, known!.idStart(), known!.idEnd(), ctx.ref.file, ctx.ref.line);
  }
  const srcIp = line.str(END_IP_SLOTS.src);
  const destIp = line.str(END_IP_SLOTS.dest);
  if (srcIp === undefined || destIp === undefined) throw FALLBACK;
  if (!known) {
    // A line scanned in full (no shape yet): its event, built as the full parser builds it.
    const ends = { srcIp, destIp, srcPort, destPort, protocol, src: flowEnd(line, 'src', srcIp), dest: flowEnd(line, 'dest', destIp) };
    const event = flowEvent({ ...ends, time: buf.toString('utf8', timeStart, timeEnd), ref: refOf(line, ctx) });
    if (event !== 'skip') event.timeMs = ms;
    return event;
  }
  // The client end only as far as the access's key needs (see FlowAccessOfIdentity).
  const client = response ? 'dest' : 'src';
  const src = flowEnd(line, 'src', srcIp, client !== 'src');
  const dest = flowEnd(line, 'dest', destIp, client !== 'dest');
  const access = flowAccess({ srcIp, destIp, srcPort, destPort, protocol, src, dest });
  let value: FlowIdentity;
  if (knownFlows.admit(key)) {
    // One string per distinct target, action, source key and group key (SharedStrings): what the
    // cache keeps outlives its line, and would otherwise be copied by every scavenge on the way.
    value = access === 'skip' ? 'skip' : new FlowAccessOfIdentity(parts.string(access.target), parts.string(sourceKey(access.client)), client, parts.string(access.action), true);
    knownFlows.remember(key, buf, scanner, known.shape, orientation, values!, value);
  } else value = access === 'skip' ? 'skip' : new FlowAccessOfIdentity(access.target, sourceKey(access.client), client, access.action, false);
  if (value === 'skip') return 'skip';
  // Handed on like a repeat: its time and insertId stay bytes unless a group keeps them (the
  // nothing-repeats shard decoded both for every line, and most of its groups keep neither).
  return REPEAT.set(value, ms, buf, timeStart, timeEnd, known.idStart(), known.idEnd(), ctx.ref.file, ctx.ref.line);
}

/** Lines fastParse has begun: a FlowAccessOfIdentity reads a line only while it is the one parsed. */
let linesBegun = 0;

/**
 * The access every line of one flow identity makes — its target, its source's key and its action,
 * which the fields of accessSlots decide — remembered by the identity cache, or made for one line
 * (ONE_LINE: no auditor keeps a slot for it). The source itself, whose other identities (a pod's
 * address, its node) differ from line to line of one access, is built only when read — by a line
 * that starts a group (toEvent) — from the line the access was last handed on with. That must happen
 * before the next line is parsed (the RepeatedAccess rule): a later read throws, never reads another
 * line.
 *
 * Most lines join a group that exists: the production shard's 840 accesses make ~420 groups, and
 * nearly every line of the nothing-repeats shard is a new pod or node of a known workload.
 * Building each line's source, one thread took 1.22-1.36 s for the nothing-repeats shard where it
 * took 1.01-1.18 s with one-line accesses lazy (8 alternating runs), and 0.86-0.89 s for the 300 MB
 * production shard where it took 0.74-0.78 s with remembered ones lazy too (5 alternating runs),
 * while the cache still kept an access per identity of every field.
 */
class FlowAccessOfIdentity implements KnownAccess {
  readonly kind = 'vpc-flow';
  readonly credential = null;
  auditor: number;
  groupSlot = 0;
  readonly groupKey: string;
  /** The line this access was last handed on with (linesBegun then). */
  line = linesBegun;
  /** A one-line access's source, once read. */
  private built: Source | undefined;

  constructor(
    readonly target: string,
    readonly sourceKey: string,
    private readonly end: 'src' | 'dest',
    readonly action: string,
    remembered: boolean,
  ) {
    const key = groupKeyOf('vpc-flow', target, sourceKey, null);
    this.groupKey = remembered ? parts.string(key) : key;
    this.auditor = remembered ? 0 : ONE_LINE;
  }

  get source(): Source {
    if (this.built) return this.built;
    if (this.line !== linesBegun) throw new Error("internal error: a flow access's source was read after the next line was parsed");
    const ip = LINE.str(END_IP_SLOTS[this.end])!;
    const source = buildSource(flowEnd(LINE, this.end, ip), this.sourceKey);
    // A remembered access keeps none: its next line may be another pod's, and a source kept by the
    // cache would outlive its line (objects made for lines that outlive them make V8 allocate every
    // line's in the old generation, see newGroup). Group starts read it, a few hundred a batch.
    if (this.auditor === ONE_LINE) this.built = source;
    return source;
  }
}

// --- Cloud Storage data access ----------------------------------------------------------------

const AUDIT_LOG_TYPE = 'type.googleapis.com/google.cloud.audit.AuditLog';
const BOOLEAN_TYPES = (1 << T_TRUE) | (1 << T_FALSE);
const AUTHZ_ITEMS = [S['protoPayload.authorizationInfo[0]']!, S['protoPayload.authorizationInfo[*]']!];
const AUTHZ_GRANTED = [S['protoPayload.authorizationInfo[0].granted']!, S['protoPayload.authorizationInfo[*].granted']!];

/** Credentials by principal: one shared object per principal (bounded). */
const credentials = new Map<string, Credential | null>();

function credentialOf(principal: string): Credential | null {
  let credential = credentials.get(principal);
  if (credential === undefined) {
    if (credentials.size >= 10_000) credentials.clear();
    credential = auditCredential({ principalEmail: principal });
    credentials.set(principal, credential);
  }
  return credential;
}

function gcs(line: Line, ctx: ParseContext): AccessEvent | 'skip' | undefined {
  if (line.str(S['protoPayload.@type']!) !== AUDIT_LOG_TYPE) return undefined;
  let principal: string | undefined;
  let keyName: string | undefined;
  if (line.obj(S['protoPayload.authenticationInfo']!)) {
    // Delegation chains and third-party subjects are left to the full parser.
    if (line.has(S['protoPayload.authenticationInfo.serviceAccountDelegationInfo']!) || line.has(S['protoPayload.authenticationInfo.principalSubject']!)) return undefined;
    principal = line.str(S['protoPayload.authenticationInfo.principalEmail']!);
    if (line.has(S['protoPayload.authenticationInfo.serviceAccountKeyName']!)) {
      keyName = line.str(S['protoPayload.authenticationInfo.serviceAccountKeyName']!);
      if (keyName === undefined) throw FALLBACK;
    }
  }
  const method = line.str(S['protoPayload.methodName']!);
  if (method === undefined) throw FALLBACK;
  const resourceName = line.str(S['protoPayload.resourceName']!);
  let callerIp: string | undefined;
  let userAgent: string | undefined;
  if (line.obj(S['protoPayload.requestMetadata']!)) {
    if (line.has(S['protoPayload.requestMetadata.callerNetwork']!)) return undefined;
    callerIp = line.str(S['protoPayload.requestMetadata.callerIp']!);
    userAgent = line.str(S['protoPayload.requestMetadata.callerSuppliedUserAgent']!);
  }
  let code = 0;
  let message: string | undefined;
  if (line.obj(S['protoPayload.status']!)) {
    code = line.int(S['protoPayload.status.code']!) ?? 0;
    message = line.str(S['protoPayload.status.message']!);
  }
  // Denied when an authorization item lacks `granted: true` (proto3 omits false).
  let items = 0;
  let granted = 0;
  if (line.has(S['protoPayload.authorizationInfo']!)) {
    if (scanner.type[S['protoPayload.authorizationInfo']!] !== T_ARRAY) throw FALLBACK;
    for (const slot of AUTHZ_ITEMS) {
      if (scanner.count[slot]! > 0 && scanner.types[slot] !== 1 << T_OBJECT) throw FALLBACK;
      items += scanner.count[slot]!;
    }
    for (const slot of AUTHZ_GRANTED) {
      if (scanner.count[slot]! > 0 && (scanner.types[slot]! & ~BOOLEAN_TYPES) !== 0) throw FALLBACK;
      granted += scanner.trues[slot]!;
    }
  }
  const ms = timeMs(line, S['timestamp']!, ctx);
  const event = gcsEvent({
    bucketLabel: line.has(S['resource.labels']!) ? line.str(S['resource.labels.bucket_name']!) : undefined,
    resourceName,
    method,
    callerIp,
    callerNetwork: undefined,
    credential: principal === undefined ? null : credentialOf(principal),
    credentialKey: serviceAccountKeyId(keyName),
    userAgent,
    statusCode: code,
    statusMessage: message,
    allGranted: granted >= items,
    time: line.str(S['timestamp']!)!,
    ref: refOf(line, ctx),
  });
  if (event !== 'skip') {
    event.timeMs = ms;
    event.groupKey = gcsGroupKey(event);
  }
  return event;
}

/**
 * Group keys by source, credential and bucket (the objects are shared, see ipSource and
 * credentialOf): the same key string for every event of a group, so it is built and hashed once.
 */
const gcsGroupKeys = new Map<Source, Map<Credential | null, Map<string, string>>>();

function gcsGroupKey(event: AccessEvent): string {
  let byCredential = gcsGroupKeys.get(event.source);
  if (!byCredential) {
    if (gcsGroupKeys.size >= 10_000) gcsGroupKeys.clear();
    byCredential = new Map();
    gcsGroupKeys.set(event.source, byCredential);
  }
  let byBucket = byCredential.get(event.credential);
  if (!byBucket) {
    byBucket = new Map();
    byCredential.set(event.credential, byBucket);
  }
  let key = byBucket.get(event.target);
  if (key === undefined) {
    if (byBucket.size >= 1_000) byBucket.clear();
    key = groupKey(event);
    byBucket.set(event.target, key);
  }
  return key;
}
