/**
 * `npm run bench` — throughput and memory, measured (never asserted by tests).
 *
 * Generates the rows' exports (VPC flows shaped like a production cluster at 300 MB and 1 GiB, plain
 * and gzipped; a shard where nothing repeats; a small pool; a flood of one-off sources; Cloud Storage
 * data access from hundreds of principals), each with a history to learn baselines from. Then, per
 * row and run, back to back in child processes: the hand-written loop (readline + JSON.parse + field
 * lookups + grouping), `log-audit audit` on one thread and with its default settings, a plain gunzip
 * for gzip, and the function's read path (bench/function-path.ts, bundled as deployed, reading from
 * the loopback GCS server of test/support). It prints the medians, peak RSS, the ratios (the median
 * of the runs' own ratios), start-up to the first byte read, and the bundled function's import time.
 *
 *   npm run bench -- [--rows KEY,...] [--runs N] [--scale F] [--dir DIR] [--keep]
 */
import { execFileSync, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createGzip } from 'node:zlib';
import { bundleFunction, FUNCTION_GLIBC_TUNABLES, FUNCTION_NODE_OPTIONS, writeFunctionBundle } from './bundle-function.mjs';
import { rng } from '../../examples/scenario.js';
import { median } from './bench/median.js';
import { manyPrincipalsGcs, productionFlows } from './bench/production-flows.js';
import { FakeGcsServer } from '../../test/support/gcs-server.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const { values } = parseArgs({
  options: {
    rows: { type: 'string' },
    runs: { type: 'string', default: '3' },
    scale: { type: 'string', default: '1' },
    dir: { type: 'string' },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h' },
  },
});



// --- deterministic, realistic data --------------------------------------------------------------


interface Generator {
  line(): string;
}

/** VPC flows: a pool of GKE pods (stable names and IPs within the hour) and VMs talking to Redis and services, both directions. */
function flowGenerator(seed: number, hour: string): Generator {
  const r = rng(seed);
  const int = (a: number, b: number) => a + Math.floor(r() * (b - a + 1));
  const namespaces = ['checkout', 'payments', 'catalog', 'search', 'cart', 'ops'];
  const pods = Array.from({ length: 240 }, (_, i) => ({
    ip: `10.44.${1 + (i % 12)}.${10 + Math.floor(i / 12)}`,
    namespace: namespaces[i % namespaces.length]!,
    name: `${namespaces[i % namespaces.length]}-${(0x5f3a9c00 + i * 7919).toString(16)}-${(i * 104729).toString(36).slice(-5).padStart(5, 'x')}`,
  }));
  const vms = Array.from({ length: 24 }, (_, i) => ({ ip: `10.40.0.${20 + i}`, name: `batch-runner-${i}` }));
  const services = [
    { ip: '10.120.0.4', port: 6379 },
    { ip: '10.120.0.5', port: 6379 },
    { ip: '10.52.1.17', port: 8080 },
  ];
  return {
    line() {
      const service = services[int(0, services.length - 1)]!;
      const usePod = r() < 0.8;
      const pod = pods[int(0, pods.length - 1)]!;
      const vm = vms[int(0, vms.length - 1)]!;
      const clientIp = usePod ? pod.ip : vm.ip;
      const clientPort = int(32768, 60999);
      const clientMeta = usePod
        ? { gke_details: { cluster: { cluster_location: 'us-central1', cluster_name: 'prod-gke' }, pod: { pod_name: pod.name, pod_namespace: pod.namespace } }, vpc: { project_id: 'acme-prod', subnetwork_name: 'gke-subnet', vpc_name: 'prod-vpc' } }
        : { instance: { project_id: 'acme-prod', region: 'us-central1', vm_name: vm.name, zone: 'us-central1-a' }, vpc: { project_id: 'acme-prod', subnetwork_name: 'app-subnet', vpc_name: 'prod-vpc' } };
      const response = r() < 0.3;
      const start = `${hour}:${String(int(0, 59)).padStart(2, '0')}:${String(int(0, 59)).padStart(2, '0')}.${String(int(0, 999999)).padStart(6, '0')}Z`;
      const payload: Record<string, unknown> = {
        bytes_sent: String(int(60, 900000)),
        connection: response
          ? { dest_ip: clientIp, dest_port: clientPort, protocol: 6, src_ip: service.ip, src_port: service.port }
          : { dest_ip: service.ip, dest_port: service.port, protocol: 6, src_ip: clientIp, src_port: clientPort },
        end_time: start,
        packets_sent: String(int(1, 900)),
        reporter: response ? 'DEST' : 'SRC',
        rtt_msec: String(int(1, 40)),
        start_time: start,
      };
      for (const [k, v] of Object.entries(clientMeta)) payload[`${response ? 'dest' : 'src'}_${k}`] = v;
      return JSON.stringify({
        insertId: `${int(0, 2 ** 30).toString(36)}${int(0, 2 ** 30).toString(36)}`,
        jsonPayload: payload,
        logName: 'projects/acme-prod/logs/compute.googleapis.com%2Fvpc_flows',
        receiveTimestamp: `${hour}:59:5${int(0, 9)}.845445834Z`,
        resource: { labels: { location: 'us-central1-a', project_id: 'acme-prod', subnetwork_id: '758019854043528829', subnetwork_name: usePod ? 'gke-subnet' : 'app-subnet' }, type: 'gce_subnetwork' },
        timestamp: `${hour}:59:5${int(0, 9)}.845445834Z`,
      });
    },
  };
}

/**
 * The worst case for memory: a scan — every line a flow from another public address (no GKE or VM
 * details) to one baselined Redis. Each line is a new source, so nothing repeats and every cap is hit.
 */
function floodGenerator(seed: number, hour: string): Generator {
  const r = rng(seed);
  const int = (a: number, b: number) => a + Math.floor(r() * (b - a + 1));
  let n = 0;
  return {
    line() {
      const i = n++;
      const start = `${hour}:${String(int(0, 59)).padStart(2, '0')}:${String(int(0, 59)).padStart(2, '0')}.${String(int(0, 999999)).padStart(6, '0')}Z`;
      return JSON.stringify({
        insertId: `flood${i.toString(36)}`,
        jsonPayload: {
          bytes_sent: String(int(60, 900)),
          connection: { dest_ip: '10.120.0.4', dest_port: 6379, protocol: 6, src_ip: `${198 + ((i >> 24) & 7)}.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, src_port: int(32768, 60999) },
          end_time: start,
          packets_sent: String(int(1, 9)),
          reporter: 'DEST',
          rtt_msec: String(int(1, 40)),
          start_time: start,
        },
        logName: 'projects/acme-prod/logs/compute.googleapis.com%2Fvpc_flows',
        receiveTimestamp: `${hour}:59:5${int(0, 9)}.845445834Z`,
        resource: { labels: { location: 'us-central1-a', project_id: 'acme-prod', subnetwork_id: '758019854043528829', subnetwork_name: 'app-subnet' }, type: 'gce_subnetwork' },
        timestamp: `${hour}:59:5${int(0, 9)}.845445834Z`,
      });
    },
  };
}

async function writeExport(path: string, generator: Generator, bytes: number): Promise<{ bytes: number; lines: number }> {
  const out = createWriteStream(path, { highWaterMark: 1 << 20 });
  let written = 0;
  let lines = 0;
  while (written < bytes) {
    const batch: string[] = [];
    for (let i = 0; i < 2000; i++) batch.push(generator.line());
    const text = `${batch.join('\n')}\n`;
    written += Buffer.byteLength(text);
    lines += batch.length;
    if (!out.write(text)) await new Promise<void>((r) => out.once("drain", () => r()));
  }
  await new Promise<void>((r, j) => out.end((e?: Error | null) => (e ? j(e) : r())));
  return { bytes: written, lines };
}

async function gzipFile(from: string, to: string): Promise<void> {
  const { createReadStream } = await import('node:fs');
  await pipeline(createReadStream(from, { highWaterMark: 1 << 20 }), createGzip({ level: 6 }), createWriteStream(to));
}

// --- measuring ----------------------------------------------------------------------------------

interface Run {
  seconds: number;
  maxRssMb: number;
  lines: number;
  /** How many findings the audit made (log-audit audit only). */
  findings?: number;
}

/** Runs a child Node process that reports {seconds, maxRssMb, lines} as its last stderr line. */
function child(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('close', (code) => {
      const last = err.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(last) as Run);
      } catch {
        reject(new Error(`child ${args.join(' ')} exited ${code}: ${err.slice(-500)}`));
      }
    });
  });
}

/**
 * Peak RSS of the child itself: VmHWM of its own address space. (getrusage's maxRSS is not: Linux
 * carries the parent's RSS at fork over to the child, so it reported the bench's own size.)
 */
const PEAK_RSS = `
function peakRssMb() { // MiB
  try {
    const m = /VmHWM:\\s+(\\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) / 1024;
  } catch {}
  return process.resourceUsage().maxRSS / 1024;
}
`;

const FLOOR = `
const { createReadStream, readFileSync } = require('node:fs');
${PEAK_RSS}
const { createInterface } = require('node:readline');
const { createGunzip } = require('node:zlib');
(async () => {
  const file = process.argv[1];
  const t = process.hrtime.bigint();
  let input = createReadStream(file);
  if (file.endsWith('.gz')) input = input.pipe(createGunzip());
  const rl = createInterface({ input, crlfDelay: Infinity });
  const groups = new Map();
  let lines = 0;
  for await (const line of rl) {
    lines++;
    const e = JSON.parse(line);
    let key;
    if (e.jsonPayload && e.jsonPayload.connection) {
      const c = e.jsonPayload.connection, p = e.jsonPayload;
      const who = (p.src_gke_details && p.src_gke_details.pod && p.src_gke_details.pod.pod_namespace) || (p.src_instance && p.src_instance.vm_name) || c.src_ip;
      key = c.dest_ip + ':' + c.dest_port + '|' + who;
    } else if (e.protoPayload) {
      const pp = e.protoPayload;
      key = e.resource.labels.bucket_name + '|' + pp.requestMetadata.callerIp + '|' + pp.authenticationInfo.principalEmail + '|' + pp.methodName;
    }
    groups.set(key, (groups.get(key) || 0) + 1);
  }
  const seconds = Number(process.hrtime.bigint() - t) / 1e9;
  process.stderr.write(JSON.stringify({ seconds, maxRssMb: peakRssMb(), lines }) + '\\n');
})();
`;

// --- rows -------------------------------------------------------------------------------------

interface RowSpec {
  key: string;
  label: string;
  generator: (seed: number, hour: string) => Generator;
  /** Baselines learned from this generator's history (the flood is judged against the cluster's). */
  history: (seed: number, hour: string) => Generator;
  bytes: number;
  gzip?: boolean;
}

const MB = 1e6;
const GIB = 1024 ** 3;
const cluster = (seed: number, hour: string) => productionFlows(seed, hour);
const ROWS: RowSpec[] = [
  { key: 'cluster-300m', label: 'flows, production cluster (3,000 pods on 120 nodes, 40 VMs)', generator: cluster, history: cluster, bytes: 300 * MB },
  { key: 'cluster-1g', label: 'flows, production cluster', generator: cluster, history: cluster, bytes: GIB },
  { key: 'cluster-1g-gz', label: 'flows, production cluster, .json.gz', generator: cluster, history: cluster, bytes: GIB, gzip: true },
  { key: 'fresh-300m', label: 'flows, nothing repeats (every record a new node and pod)', generator: (s, h) => productionFlows(s, h, { nothingRepeats: true }), history: cluster, bytes: 300 * MB },
  { key: 'small-pool-1g', label: 'flows, small pool (240 pods, 24 VMs)', generator: flowGenerator, history: flowGenerator, bytes: GIB },
  { key: 'flood-1g', label: 'flows, flood of one-off sources', generator: floodGenerator, history: flowGenerator, bytes: GIB },
  { key: 'gcs-1g', label: 'GCS, 400 principals from 300 callers, 20 buckets', generator: manyPrincipalsGcs, history: manyPrincipalsGcs, bytes: GIB },
];

const USAGE = `Usage: npm run bench -- [--rows KEY,...] [--runs N] [--scale F] [--dir DIR] [--keep]

Rows (default: all): ${ROWS.map((r) => r.key).join(', ')}
  --runs N     runs of each row, its commands back to back; the table shows medians (default 3)
  --scale F    multiply every row's size (e.g. 0.25 for a quick look; the table says so)
  --dir DIR    keep the generated data there (reused when present); --keep keeps a temporary one
Runs on Node 24, the runtime the functions deploy on.
`;

/**
 * Loaded with --import into the real CLI. Writes `VmHWM` (peak RSS of this process) to stderr at
 * exit, and, when BENCH_INPUT names the input, when the CLI first opened it (ms after the process
 * started: what start-up costs before the first byte is read; the read is issued on the open).
 */
const PEAK_HOOK = `import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
const input = process.env.BENCH_INPUT;
let firstOpenMs;
if (input) {
  const noted = (open) => function (path, ...rest) {
    if (firstOpenMs === undefined && String(path) === input) firstOpenMs = performance.now();
    return open.call(this, path, ...rest);
  };
  fsp.open = noted(fsp.open);
  fs.open = noted(fs.open);
  fs.createReadStream = noted(fs.createReadStream);
  syncBuiltinESMExports();
}
process.on('exit', () => {
  const m = /VmHWM:\\s+(\\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  process.stderr.write('\\n' + JSON.stringify({ maxRssMb: m ? Number(m[1]) / 1024 : process.resourceUsage().maxRSS / 1024, firstOpenMs }) + '\\n');
});
`;

interface Timed {
  /** Wall time of the whole child process, spawn to exit, as the parent saw it. */
  wall: number;
  maxRssMb: number;
  /** When the child first opened BENCH_INPUT, ms after it started (the audit's start-up). */
  firstOpenMs?: number;
}

/** Runs a child to completion: its wall time from the parent, and the peak RSS it reports last on stderr. */
function timed(args: string[], env: Record<string, string> = {}): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const t = process.hrtime.bigint();
    const p = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('close', (code) => {
      const wall = Number(process.hrtime.bigint() - t) / 1e9;
      const last = err.trim().split('\n').pop() ?? '';
      try {
        const reported = JSON.parse(last) as { maxRssMb: number; firstOpenMs?: number };
        if (code !== 0 && code !== 1) throw new Error(`exit ${code}`);
        resolve({ wall, maxRssMb: reported.maxRssMb, ...(reported.firstOpenMs !== undefined ? { firstOpenMs: reported.firstOpenMs } : {}) });
      } catch {
        reject(new Error(`child ${args.join(' ')} exited ${code}: ${err.slice(-500)}`));
      }
    });
  });
}

/** A row's runs: the median wall time and peak RSS, the highest peak RSS, and every run's figures. */
interface Runs {
  wall: number;
  rssMb: number;
  maxRssMb: number;
  walls: number[];
  rssMbs: number[];
  firstOpenMs?: number;
}

async function medianOf(runs: number, once: () => Promise<Timed>): Promise<Runs> {
  const all: Timed[] = [];
  for (let i = 0; i < runs; i++) all.push(await once());
  return summarize(all);
}

/** The median run's figures of runs already made. */
function summarize(all: readonly Timed[]): Runs {
  const opens = all.flatMap((r) => (r.firstOpenMs !== undefined ? [r.firstOpenMs] : []));
  const rssMbs = all.map((r) => r.maxRssMb);
  return { wall: median(all.map((r) => r.wall)), ...rssSpread(rssMbs), walls: all.map((r) => r.wall), rssMbs, ...(opens.length ? { firstOpenMs: median(opens) } : {}) };
}

/** The median of the runs' own ratios `ours[i] / theirs[i]` (run i's figures taken back to back). */
function pairedRatio(ours: readonly number[], theirs: readonly number[]): number {
  return median(ours.map((value, i) => value / theirs[i]!));
}

/** The median and the highest of runs' peak RSS. */
function rssSpread(rssMbs: number[]): Pick<Runs, 'rssMb' | 'maxRssMb'> {
  return { rssMb: median(rssMbs), maxRssMb: Math.max(...rssMbs) };
}

/** Peak RSS of a row's runs: the median, and the highest run when it differs by a MiB or more. */
function rssOf(runs: Pick<Runs, 'rssMb' | 'maxRssMb'>): string {
  return `${runs.rssMb.toFixed(0)}${runs.maxRssMb - runs.rssMb >= 1 ? ` (${runs.maxRssMb.toFixed(0)})` : ''}`;
}

/** Plain gunzip of a file on one thread, to nowhere: what reading a .gz costs at the least. */
const GUNZIP = `
const { createReadStream, readFileSync } = require('node:fs');
${PEAK_RSS}
const { createGunzip } = require('node:zlib');
const gunzip = createGunzip({ chunkSize: 1 << 20 });
createReadStream(process.argv[1], { highWaterMark: 1 << 19 }).pipe(gunzip);
gunzip.on('data', () => undefined);
gunzip.on('end', () => process.stderr.write(JSON.stringify({ maxRssMb: peakRssMb() }) + '\\n'));
`;

async function main(): Promise<void> {
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  if (Number(process.versions.node.split('.')[0]) < 24) {
    process.stderr.write(`npm run bench measures on Node 24 (the functions' runtime); this is Node ${process.version}. Run it with the npm registry's node@24: npx -y node@24 node_modules/.bin/tsx functions/scripts/bench.ts\n`);
    process.exitCode = 2;
    return;
  }
  const runs = Math.max(1, Number(values.runs));
  const scale = Number(values.scale);
  const wanted = values.rows ? values.rows.split(',').map((k) => k.trim()) : ROWS.map((r) => r.key);
  for (const key of wanted) if (!ROWS.some((r) => r.key === key)) throw new Error(`--rows: unknown row ${key} (${ROWS.map((r) => r.key).join(', ')})`);
  const dir = values.dir ?? (await mkdtemp(join(tmpdir(), 'log-audit-bench-')));
  await mkdir(dir, { recursive: true });
  execFileSync(process.execPath, [join(root, 'functions/scripts/build.mjs')], { cwd: root, stdio: 'inherit' });
  const hook = join(dir, 'peak-rss.mjs');
  await writeFile(hook, PEAK_HOOK);
  const cli = join(root, 'functions/bin/log-audit.js');
  const log = (s: string) => process.stdout.write(`${s}\n`);
  log(`log-audit bench — ${new Date().toISOString()} — node ${process.version}, ${availableParallelism()} cores — medians of ${runs} runs${scale !== 1 ? ` — sizes × ${scale}` : ''} — data in ${dir}`);

  // The function's read path, bundled as the function is deployed (bench/function-path.ts says why).
  const functionDir = join(dir, 'function-path');
  await mkdir(functionDir, { recursive: true });
  const functionPath = join(functionDir, 'index.js');
  await writeFunctionBundle(functionDir, 'functions/scripts/bench/function-path.ts');
  const gcs = new FakeGcsServer();
  const emulator = await gcs.start();
  const table: string[][] = [];
  const exists = async (path: string) => (await stat(path).catch(() => undefined)) !== undefined;
  const audit = (baselines: string, file: string, extra: string[], report: string) =>
    timed(['--import', hook, cli, 'audit', '--quiet', '--format', 'json', '--report', report, '--baselines', baselines, ...extra, file], { BENCH_INPUT: file });

  for (const spec of ROWS.filter((r) => wanted.includes(r.key))) {
    const bytes = Math.round(spec.bytes * scale);
    const plain = join(dir, `${spec.key}.json`.replace('-gz.json', '.json'));
    const history = join(dir, `${spec.key.replace(/-gz$/, '')}-history`);
    const baselines = join(dir, `${spec.key.replace(/-gz$/, '')}-baselines`);
    log(`\n[${spec.key}] ${spec.label}`);
    if (!(await exists(plain))) {
      log(`  generating ${(bytes / MB).toFixed(0)} MB…`);
      await writeExport(plain, spec.generator(7, '2026-11-24T03'), bytes);
    }
    if (!(await exists(baselines))) {
      await mkdir(history, { recursive: true });
      for (let h = 0; h < 6; h++) await writeExport(join(history, `h${h}.json`), spec.history(100 + h, `2026-11-23T${String(h).padStart(2, '0')}`), 24 * 1024 ** 2);
      execFileSync(process.execPath, [cli, 'learn', '--quiet', '--out', baselines, history], { cwd: root, stdio: 'ignore' });
    }
    const file = spec.gzip ? `${plain}.gz` : plain;
    if (spec.gzip && !(await exists(file))) await gzipFile(plain, file);
    const fileBytes = (await stat(plain)).size;
    const mb = fileBytes / MB;
    const report = join(dir, `${spec.key}.report.json`);
    const workersReport = join(dir, `${spec.key}.workers.report.json`);
    // Default settings: worker threads for a plain file of 512 MiB or more, a gunzip thread for gzip.
    const withWorkers = spec.gzip || fileBytes >= 512 * 1024 ** 2;
    // The function's read path on the same object (its own timer: the audit, after its imports), with
    // the Node options and malloc settings the functions deploy with.
    const objectName = file.split('/').pop()!;
    const generation = gcs.put('bench-logs', objectName, await readFile(file));
    // Each run times every command once, back to back, so a ratio compares figures taken minutes
    // apart at most: on a shared machine speeds drift more than that between blocks of runs.
    const loops: Timed[] = [];
    const serials: Timed[] = [];
    const parallels: Timed[] = [];
    const gunzips: Timed[] = [];
    const fns: Run[] = [];
    for (let i = 0; i < runs; i++) {
      loops.push(await timed(['-e', FLOOR, file]));
      serials.push(await audit(baselines, file, ['--workers', '0'], report));
      if (withWorkers) parallels.push(await audit(baselines, file, ['--workers', 'auto'], workersReport));
      if (spec.gzip) gunzips.push(await timed(['-e', GUNZIP, file]));
      gcs.prepare('bench-logs', objectName);
      fns.push(await child([...FUNCTION_NODE_OPTIONS.split(' '), functionPath, baselines, 'bench-logs', objectName, String(generation)], { STORAGE_EMULATOR_HOST: emulator, GLIBC_TUNABLES: FUNCTION_GLIBC_TUNABLES }));
    }
    gcs.remove('bench-logs', objectName);
    const floor = summarize(loops);
    const serial = summarize(serials);
    const parallel = withWorkers ? summarize(parallels) : undefined;
    const gunzip = spec.gzip ? summarize(gunzips) : undefined;
    type Report = { findings: { id: string }[]; summary: { lines: number; bad: number } };
    const findings = JSON.parse(await readFile(report, 'utf8')) as Report;
    // The fast path's findings equal the full parser's (once per row), and the workers' the one thread's.
    const fullReport = join(dir, `${spec.key}.full.json`);
    await audit(baselines, file, ['--workers', '0', '--full-parse'], fullReport);
    const ids = (r: Report) => JSON.stringify(r.findings.map((f) => f.id).sort());
    const same = async (path: string) => {
      const other = JSON.parse(await readFile(path, 'utf8')) as Report;
      return ids(other) === ids(findings) && other.summary.lines === findings.summary.lines;
    };
    const identical = (await same(fullReport)) && (!withWorkers || (await same(workersReport)));
    const fnRuns = fns.map((r) => r.seconds);
    const fnRss = fns.map((r) => r.maxRssMb);
    const fnWall = median(fnRuns);
    const each = (values: number[], digits: number) => values.map((v) => v.toFixed(digits)).join('/');
    log(`  loop ${each(floor.walls, 2)} s · log-audit one thread ${each(serial.walls, 2)} s${parallel ? ` · workers ${each(parallel.walls, 2)} s` : ''}${gunzip ? ` · gunzip ${each(gunzip.walls, 2)} s` : ''} · function ${each(fnRuns, 2)} s · ${findings.findings.length} findings, full parse and workers ${identical ? 'identical' : 'DIFFERENT'}`);
    log(`  peak RSS: loop ${each(floor.rssMbs, 0)} MiB · one thread ${each(serial.rssMbs, 0)} MiB${parallel ? ` · workers ${each(parallel.rssMbs, 0)} MiB` : ''} · function ${each(fnRss, 0)} MiB`);
    const bests = withWorkers ? parallels : serials;
    // Ratios: the median of the runs' own ratios (each run's commands back to back).
    const ratio = pairedRatio(bests.map((r) => r.wall), loops.map((r) => r.wall));
    const fnRatio = pairedRatio(fnRuns, serials.map((r) => r.wall));
    const gzRatio = gunzip ? pairedRatio(bests.map((r) => r.wall), gunzips.map((r) => r.wall)) : undefined;
    table.push([
      spec.label,
      `${(fileBytes / MB).toFixed(0)} MB${spec.gzip ? ` (${((await stat(file)).size / MB).toFixed(0)} MB gz)` : ''}`,
      `${serial.wall.toFixed(2)} s`,
      parallel ? `${parallel.wall.toFixed(2)} s` : '–',
      `${floor.wall.toFixed(2)} s`,
      `${ratio.toFixed(2)} (${(1 / ratio).toFixed(1)}×)`,
      `${(mb / serial.wall).toFixed(0)} MB/s`,
      serial.firstOpenMs !== undefined ? `${serial.firstOpenMs.toFixed(0)} ms` : '–',
      `${rssOf(serial)} / ${parallel ? rssOf(parallel) : '–'} / ${rssOf(floor)} MiB`,
      `${fnWall.toFixed(2)} s (${fnRatio.toFixed(2)}× CLI), ${rssOf(rssSpread(fnRss))} MiB`,
      gunzip && gzRatio !== undefined ? `${gunzip.wall.toFixed(2)} s (${gzRatio.toFixed(2)}×)` : '–',
      identical ? 'yes' : '**no**',
    ]);
  }
  await gcs.stop();

  // Start-up: the whole CLI on 1,000 lines of the cluster's flows (what a run costs before its bytes).
  const small = join(dir, 'startup-1000.json');
  if (!(await exists(small))) {
    const g = productionFlows(9, '2026-11-24T03');
    await writeFile(small, `${Array.from({ length: 1000 }, () => g.line()).join('\n')}\n`);
  }
  const startupBaselines = join(dir, 'cluster-1g-baselines');
  const startup = (await exists(startupBaselines)) ? await medianOf(Math.max(runs, 11), () => audit(startupBaselines, small, ['--workers', '0'], join(dir, 'startup.report.json'))) : undefined;
  const bare = await medianOf(Math.max(runs, 5), () => timed(['--import', hook, '-e', '']));

  // Import time of the deployed function bundle (what a cold start pays before the first event).
  const bundleDir = join(dir, 'function');
  await mkdir(bundleDir, { recursive: true });
  await writeFile(join(bundleDir, 'index.js'), (await bundleFunction()).code);
  await symlink(join(root, 'node_modules'), join(bundleDir, 'node_modules')).catch(() => undefined);
  const imports: number[] = [];
  for (let i = 0; i < 7; i++) {
    const out = execFileSync(process.execPath, ['-e', `const t=process.hrtime.bigint();require(${JSON.stringify(join(bundleDir, 'index.js'))});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`], { encoding: 'utf8' });
    imports.push(Number(out));
  }

  log(`\nEnd to end, process spawn to exit (the CLI: \`log-audit audit --format json --report …\`; the loop: readline + JSON.parse + Map grouping), medians of ${runs} runs, each run timing every command of its row back to back; ratios are the median of the runs' own ratios (peak RSS: the median, and in brackets the highest run):`);
  log('| row | size | log-audit, one thread | log-audit, workers auto | hand-written loop | ours ÷ loop (speed-up) | MB/s per thread | start-up: first byte read | peak RSS: one thread / workers / loop | function path (audit; download on its own thread) | gzip: ours ÷ plain gunzip | same findings: --full-parse, workers |');
  log('|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const row of table) log(`| ${row.join(' | ')} |`);
  log(`\nStart-up: the CLI auditing 1,000 lines, spawn to exit: ${startup ? `${(startup.wall * 1000).toFixed(0)} ms, first byte read at ${startup.firstOpenMs?.toFixed(0) ?? '?'} ms` : '(run the cluster-1g row for it)'} (a bare \`node -e\`: ${(bare.wall * 1000).toFixed(0)} ms). Bundled function import: ${median(imports).toFixed(0)} ms (median of 7).`);
  if (!values.keep && !values.dir) await rm(dir, { recursive: true, force: true });
}

await main();
