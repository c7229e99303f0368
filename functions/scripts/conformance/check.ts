/**
 * The conformance check: real LogEntries that other projects publish as parser test data (read from
 * a peer-samples folder, never copied into this repository), each scanned through the CLI's own
 * reader (`scanStream`: the fast path, then the full parser), and compared with what the peers
 * expect of it.
 *
 * Folder layout (what `../shared/peer-samples/` holds): `<source>.jsonl` sample files, and
 * `expected.jsonl` with one row per sample: `{id, file, line, expect: {status, target?, sourceIp?,
 * principal?, outcome?, protocol?, endpoints?}}`.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from 'zod';
import type { AccessEvent } from '../../src/core/access-event.js';
import { flowTargetNetwork } from '../../src/core/parse/vpc-flow.js';
import { emptyStats, ProblemLog, scanStream, type BatchStats } from '../../src/core/read/scan.js';

const STATUSES = ['parsed', 'skipped', 'unknown', 'bad'] as const;
export type SampleStatus = (typeof STATUSES)[number];

const endpointSchema = z.object({
  ip: z.string(),
  port: z.number().nullable().optional(),
  vm: z.string().nullable().optional(),
  vmProject: z.string().nullable().optional(),
  gkeCluster: z.string().nullable().optional(),
  gkeNamespace: z.string().nullable().optional(),
});
type Endpoint = z.infer<typeof endpointSchema>;

export const expectationSchema = z.object({
  id: z.string(),
  file: z.string(),
  line: z.number().int().positive(),
  expect: z.object({
    status: z.string().refine((s) => s.split('|').every((part) => (STATUSES as readonly string[]).includes(part)), 'statuses joined by |'),
    target: z.string().nullable().optional(),
    sourceIp: z.string().nullable().optional(),
    principal: z.string().nullable().optional(),
    outcome: z.string().nullable().optional(),
    protocol: z.number().nullable().optional(),
    endpoints: z.array(endpointSchema).length(2).optional(),
  }),
});
export type Expectation = z.infer<typeof expectationSchema>;

/** One way a sample differs from what is expected of it. */
export interface Mismatch {
  id: string;
  file: string;
  line: number;
  field: 'status' | 'target' | 'sourceIp' | 'principal' | 'outcome' | 'endpoints';
  expected: string;
  actual: string;
}

export interface SourceTally {
  file: string;
  lines: number;
  parsed: number;
  skipped: number;
  unknown: number;
  bad: number;
  mismatches: number;
}

export interface ConformanceResult {
  sources: SourceTally[];
  mismatches: Mismatch[];
  /** Samples whose expectation names no line in the files, or lines with no expectation. */
  unmatched: string[];
  samples: number;
}

/** The one outcome of scanning a single line through the CLI's reader. */
interface LineResult {
  status: SampleStatus;
  events: AccessEvent[];
}

async function* once(bytes: Buffer): AsyncGenerator<Buffer> {
  yield bytes;
}

function statusOf(stats: BatchStats): SampleStatus {
  if (stats.parsed > 0) return 'parsed';
  if (stats.bad > 0) return 'bad';
  if (stats.unknown > 0) return 'unknown';
  return 'skipped';
}

/**
 * Each line is scanned as a one-line file, so its verdict is exact (a file's problem log keeps only a
 * few lines); the whole file is scanned too, and its counts must equal the lines' sum.
 */
async function scanLine(file: string, text: string, now: () => number): Promise<LineResult> {
  const stats = emptyStats();
  const events: AccessEvent[] = [];
  await scanStream(file, once(Buffer.from(`${text}\n`)), { stats, problems: new ProblemLog(), onEvent: (e) => events.push(e), now });
  return { status: statusOf(stats), events };
}

async function scanWhole(file: string, bytes: Buffer, now: () => number): Promise<BatchStats> {
  const stats = emptyStats();
  await scanStream(file, once(bytes), { stats, problems: new ProblemLog(), onEvent: () => undefined, now });
  return stats;
}

/** A value as the report shows it: absent as `(none)`, an empty string as `""` so it is seen. */
const show = (value: string | null | undefined) => (value === null || value === undefined ? '(none)' : value === '' ? '""' : value);

/** The address the event's source was seen at (`ip:…` keys or details), or null. */
function sourceIp(event: AccessEvent): string | null {
  return event.source.details.ip ?? null;
}

/**
 * The target names this endpoint: `ip:port`, `[v6]:port` — either within a VPC network,
 * `project/network/ip:port` (peers name addresses alone) — or the GKE service of its namespace on that port.
 */
function targetNames(target: string, end: Endpoint): boolean {
  const port = end.port ?? undefined;
  const portText = port === undefined ? '' : `:${port}`;
  const address = flowTargetNetwork(target)?.address ?? target;
  if (address === `${end.ip.includes(':') ? `[${end.ip}]` : end.ip}${portText}`) return true;
  if (end.gkeCluster && end.gkeNamespace) return target.startsWith(`gke:${end.gkeCluster}/${end.gkeNamespace}/`) && target.endsWith(portText);
  return false;
}

/** The source is this endpoint: its address, and its VM and GKE identity where the peer names them. */
function sourceIs(event: AccessEvent, end: Endpoint): boolean {
  const details = event.source.details;
  if (details.ip !== end.ip) return false;
  if (end.vm && details.vm?.name !== end.vm) return false;
  if (end.gkeCluster && details.gke?.cluster !== end.gkeCluster) return false;
  if (end.gkeNamespace && details.gke?.namespace !== end.gkeNamespace) return false;
  return true;
}

function describeEndpoint(end: Endpoint): string {
  const identity = [end.vm ? `vm ${end.vm}` : '', end.gkeCluster ? `gke ${end.gkeCluster}/${end.gkeNamespace ?? '*'}` : ''].filter(Boolean).join(', ');
  return `${end.ip}${end.port === undefined || end.port === null ? '' : `:${end.port}`}${identity ? ` (${identity})` : ''}`;
}

function describeFlow(event: AccessEvent): string {
  const d = event.source.details;
  const identity = [d.vm ? `vm ${d.vm.name}` : '', d.gke ? `gke ${d.gke.cluster}/${d.gke.namespace ?? '*'}` : ''].filter(Boolean).join(', ');
  return `${show(d.ip)}${identity ? ` (${identity})` : ''} → ${event.target}`;
}

/** Every way one sample's result differs from its expectation. */
export function compare(expectation: Expectation, result: LineResult): Mismatch[] {
  const { id, file, line, expect } = expectation;
  const out: Mismatch[] = [];
  const add = (field: Mismatch['field'], expected: string, actual: string) => out.push({ id, file, line, field, expected, actual });
  const allowed = expect.status.split('|');
  if (!allowed.includes(result.status)) add('status', expect.status, result.status);
  const event = result.events[0];
  if (result.status !== 'parsed' || !event) return out;
  if (expect.target !== undefined && event.target !== expect.target) add('target', show(expect.target), event.target);
  if (expect.sourceIp !== undefined && sourceIp(event) !== expect.sourceIp) add('sourceIp', show(expect.sourceIp), show(sourceIp(event)));
  if (expect.principal !== undefined && (event.credential?.key ?? null) !== expect.principal) add('principal', show(expect.principal), show(event.credential?.key));
  if (expect.outcome !== undefined && event.outcome !== expect.outcome) add('outcome', show(expect.outcome), event.outcome);
  if (expect.endpoints) {
    // The peers give the connection as recorded (src → dest); an event is oriented client → server,
    // so either end may be the target, and the other must then be the source.
    const [a, b] = expect.endpoints as [Endpoint, Endpoint];
    const oriented = (targetNames(event.target, b) && sourceIs(event, a)) || (targetNames(event.target, a) && sourceIs(event, b));
    if (!oriented) add('endpoints', `${describeEndpoint(a)} ↔ ${describeEndpoint(b)}`, describeFlow(event));
  }
  return out;
}

async function readExpectations(dir: string): Promise<Expectation[]> {
  const text = await readFile(join(dir, 'expected.jsonl'), 'utf8');
  return text
    .split('\n')
    .map((line, index) => ({ line, index }))
    .filter(({ line }) => line.trim() !== '')
    .map(({ line, index }) => {
      const parsed = expectationSchema.safeParse(JSON.parse(line));
      if (!parsed.success) throw new Error(`expected.jsonl:${index + 1}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      return parsed.data;
    });
}

/** Runs the check over a peer-samples folder. `now` bounds plausible timestamps, as in the CLI. */
export async function checkConformance(dir: string, now: () => number = () => Date.now()): Promise<ConformanceResult> {
  const expectations = await readExpectations(dir);
  const files = [...new Set(expectations.map((e) => e.file))].sort();
  const byPlace = new Map(expectations.map((e) => [`${e.file}:${e.line}`, e]));
  const sources: SourceTally[] = [];
  const mismatches: Mismatch[] = [];
  const unmatched: string[] = [];
  const seen = new Set<string>();
  for (const file of files) {
    const bytes = await readFile(join(dir, file));
    const lines = bytes.toString('utf8').split('\n');
    if (lines.at(-1) === '') lines.pop();
    const tally: SourceTally = { file, lines: 0, parsed: 0, skipped: 0, unknown: 0, bad: 0, mismatches: 0 };
    for (const [index, text] of lines.entries()) {
      const place = `${file}:${index + 1}`;
      const result = await scanLine(file, text, now);
      tally.lines++;
      tally[result.status]++;
      const expectation = byPlace.get(place);
      if (!expectation) {
        unmatched.push(`${place}: no expectation for this line`);
        continue;
      }
      seen.add(place);
      const found = compare(expectation, result);
      tally.mismatches += found.length === 0 ? 0 : 1;
      mismatches.push(...found);
    }
    const whole = await scanWhole(file, bytes, now);
    for (const status of STATUSES) {
      if (whole[status] !== tally[status]) unmatched.push(`${file}: the whole file scans ${whole[status]} ${status}, its lines one by one ${tally[status]}`);
    }
    sources.push(tally);
  }
  for (const e of expectations) if (!seen.has(`${e.file}:${e.line}`)) unmatched.push(`${e.id}: ${e.file}:${e.line} is not a line of the file`);
  return { sources, mismatches, unmatched, samples: expectations.length };
}
