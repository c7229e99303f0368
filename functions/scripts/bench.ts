/**
 * `npm run bench` — throughput and memory, measured (never asserted by tests).
 *
 * Generates realistic exports (VPC flows and GCS data access, default 1 GiB each, plus a history to
 * learn from), learns baselines, then in one run times, in child processes:
 *   (a) the hand-written floor: readline + JSON.parse + field lookups + grouping, and
 *   (b) `log-audit audit` (the same core as the function),
 * on the same files as .json and .json.gz, printing MB/s, lines/s, peak RSS and the ratio. It also
 * times the Cloud Function's own read path (auditObject over @google-cloud/storage, streaming from
 * the loopback GCS server of test/support) and measures the import time of the bundled function.
 * With flows, it also audits memory's worst case: a shard of the same size in which every line is a
 * flow from another address to one baselined target (one thread, workers auto, the function path).
 *
 *   npm run bench -- [--size 1GiB] [--kinds flows,gcs] [--dir DIR] [--keep]
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
import { bundleFunction } from './bundle-function.mjs';
import { rng } from '../../examples/scenario.js';
import { FakeGcsServer } from '../../test/support/gcs-server.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const { values } = parseArgs({
  options: { size: { type: 'string', default: '1GiB' }, kinds: { type: 'string', default: 'flows,gcs' }, dir: { type: 'string' }, keep: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } },
});
if (values.help) {
  process.stdout.write('Usage: npm run bench -- [--size 1GiB|256MiB|…] [--kinds flows,gcs] [--dir DIR] [--keep]\n');
  process.exit(0);
}

function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(GiB|MiB|KiB|B)?$/i.exec(text);
  if (!m) throw new Error(`--size: expected e.g. 1GiB or 256MiB, got ${text}`);
  const unit = (m[2] ?? 'B').toLowerCase();
  return Math.round(Number(m[1]) * (unit === 'gib' ? 1024 ** 3 : unit === 'mib' ? 1024 ** 2 : unit === 'kib' ? 1024 : 1));
}

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

/** GCS data access: a handful of principals reading and writing objects from VMs, `private` and an office range. */
function gcsGenerator(seed: number, hour: string): Generator {
  const r = rng(seed);
  const int = (a: number, b: number) => a + Math.floor(r() * (b - a + 1));
  const callers = [
    { principal: 'etl@acme-prod.iam.gserviceaccount.com', ip: 'private', ua: 'gcloud-python/2.14.0' },
    { principal: 'reporting@acme-prod.iam.gserviceaccount.com', ip: '10.40.0.21', ua: 'google-cloud-storage-java/2.30' },
    { principal: 'ml-train@acme-prod.iam.gserviceaccount.com', ip: '10.40.0.31', ua: 'gcsfuse/2.1' },
    { principal: 'alice@acme.example', ip: '198.51.100.11', ua: 'Mozilla/5.0 (Macintosh) Chrome/131.0' },
    { principal: 'bob@acme.example', ip: '198.51.100.12', ua: 'gsutil/5.27' },
  ];
  const buckets = ['acme-finance-reports', 'acme-ml-datasets', 'acme-exports'];
  const methods = ['storage.objects.get', 'storage.objects.get', 'storage.objects.get', 'storage.objects.list', 'storage.objects.create'];
  return {
    line() {
      const c = callers[int(0, callers.length - 1)]!;
      const bucket = buckets[int(0, buckets.length - 1)]!;
      const method = methods[int(0, methods.length - 1)]!;
      const object = `daily/2026-11-${String(int(1, 28)).padStart(2, '0')}/part-${int(0, 99999)}.parquet`;
      const resourceName = `projects/_/buckets/${bucket}/objects/${object}`;
      const ts = `${hour}:${String(int(0, 59)).padStart(2, '0')}:${String(int(0, 59)).padStart(2, '0')}.${String(int(0, 999999999)).padStart(9, '0')}Z`;
      const denied = r() < 0.01;
      const authz: Record<string, unknown> = { permission: method, resource: resourceName, resourceAttributes: {} };
      if (!denied) authz['granted'] = true;
      return JSON.stringify({
        insertId: `${int(0, 2 ** 30).toString(36)}`,
        logName: 'projects/acme-prod/logs/cloudaudit.googleapis.com%2Fdata_access',
        protoPayload: {
          '@type': 'type.googleapis.com/google.cloud.audit.AuditLog',
          authenticationInfo: { principalEmail: c.principal },
          authorizationInfo: [authz],
          methodName: method,
          requestMetadata: { callerIp: c.ip, callerSuppliedUserAgent: `${c.ua},gzip(gfe)`, destinationAttributes: {}, requestAttributes: { auth: {}, time: ts } },
          resourceLocation: { currentLocations: ['us'] },
          resourceName,
          serviceName: 'storage.googleapis.com',
          status: denied ? { code: 7, message: 'PERMISSION_DENIED' } : {},
        },
        receiveTimestamp: ts,
        resource: { labels: { bucket_name: bucket, location: 'us', project_id: 'acme-prod' }, type: 'gcs_bucket' },
        severity: denied ? 'ERROR' : 'INFO',
        timestamp: ts,
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

const AUDIT = `
import { readFileSync } from 'node:fs';
${PEAK_RSS}
import { main } from ${JSON.stringify(join(root, 'functions/dist/cli.js'))};
const [baselines, file] = process.argv.slice(1);
const t = process.hrtime.bigint();
let out = '';
const workers = process.argv[3] ?? 'auto';
const code = await main(['audit', '--quiet', '--format', 'json', '--workers', workers, '--baselines', baselines, file], { out: (s) => (out += s), err: () => undefined, progress: false });
const seconds = Number(process.hrtime.bigint() - t) / 1e9;
const summary = JSON.parse(out).summary;
process.stderr.write(JSON.stringify({ seconds, maxRssMb: peakRssMb(), lines: summary.lines, code, findings: summary.findings }) + '\\n');
`;

/**
 * The Cloud Function's own read path: auditObject (read-object.ts) streaming the shard through the
 * unmodified @google-cloud/storage client (checksum validation included) from the loopback GCS server,
 * on one thread as deployed. Runs from source through tsx, in a child process.
 */
const FUNCTION_PATH = `
import { readFileSync } from 'node:fs';
${PEAK_RSS}
import { storageClients } from ${JSON.stringify(join(root, 'functions/src/core/gcs/storage-clients.ts'))};
import { auditObject } from ${JSON.stringify(join(root, 'functions/src/function/read-object.ts'))};
import { loadBaselines } from ${JSON.stringify(join(root, 'functions/src/core/baseline/store.ts'))};
const [baselinesDir, bucket, name, generation] = process.argv.slice(1);
const baselines = await loadBaselines(baselinesDir);
const storage = storageClients({ projectId: 'bench', retrySeconds: 60 }).downloads;
const t = process.hrtime.bigint();
const audit = await auditObject(storage, { bucket, name, generation }, baselines, { deadlineMs: Date.now() + 540_000, now: Date.now, maxLineBytes: 4 * 1024 * 1024, burstThreshold: 20 });
const seconds = Number(process.hrtime.bigint() - t) / 1e9;
process.stderr.write(JSON.stringify({ seconds, maxRssMb: peakRssMb(), lines: audit.stats.lines }) + '\\n');
`;

async function main(): Promise<void> {
  const size = parseSize(values.size!);
  const kinds = values.kinds!.split(',').map((k) => k.trim());
  const dir = values.dir ?? (await mkdtemp(join(tmpdir(), 'log-audit-bench-')));
  await mkdir(dir, { recursive: true });
  execFileSync(process.execPath, [join(root, 'functions/scripts/build.mjs')], { cwd: root, stdio: 'inherit' });
  const log = (s: string) => process.stdout.write(`${s}\n`);
  log(`log-audit bench — ${new Date().toISOString()} — node ${process.version} — data in ${dir}`);

  const rows: string[][] = [];
  const functionRows: string[][] = [];
  const floodRows: string[][] = [];
  const gcs = new FakeGcsServer();
  const emulator = await gcs.start();
  for (const kind of kinds) {
    const make = kind === 'flows' ? flowGenerator : kind === 'gcs' ? gcsGenerator : undefined;
    if (!make) throw new Error(`--kinds: unknown kind ${kind} (flows, gcs)`);
    const history = join(dir, `${kind}-history`);
    await mkdir(history, { recursive: true });
    const file = join(dir, `${kind}-shard.json`);
    log(`\n[${kind}] generating history and a ${(size / 1024 ** 3).toFixed(2)} GiB shard…`);
    for (let h = 0; h < 6; h++) await writeExport(join(history, `h${h}.json`), make(100 + h, `2026-11-23T${String(h).padStart(2, '0')}`), Math.min(size / 20, 32 * 1024 ** 2));
    const shard = await writeExport(file, make(7, '2026-11-24T03'), size);
    await gzipFile(file, `${file}.gz`);
    const baselines = join(dir, `${kind}-baselines`);
    execFileSync(process.execPath, [join(root, 'functions/bin/log-audit.js'), 'learn', '--quiet', '--out', baselines, history], { cwd: root, stdio: 'ignore' });
    const gzBytes = (await stat(`${file}.gz`)).size;
    for (const variant of [file, `${file}.gz`]) {
      const label = variant.endsWith('.gz') ? `${kind} .json.gz` : `${kind} .json`;
      const floor = await child(['-e', FLOOR, variant]);
      const serial = await child(['--input-type=module', '-e', AUDIT, baselines, variant, '0']);
      const audit = await child(['--input-type=module', '-e', AUDIT, baselines, variant, 'auto']);
      const mb = shard.bytes / 1e6;
      rows.push([
        label,
        `${(shard.bytes / 1024 ** 3).toFixed(2)} GiB${variant.endsWith('.gz') ? ` (${(gzBytes / 1024 ** 2).toFixed(0)} MiB gz)` : ''}`,
        `${(mb / serial.seconds).toFixed(0)} MB/s, ${serial.maxRssMb.toFixed(0)} MiB`,
        `${(mb / floor.seconds).toFixed(0)} MB/s`,
        `${(mb / audit.seconds).toFixed(0)} MB/s`,
        `${(audit.lines / audit.seconds / 1e6).toFixed(2)} M/s`,
        `${(audit.seconds > 0 ? floor.seconds / audit.seconds : 0).toFixed(2)}×`,
        `${(serial.seconds > 0 ? floor.seconds / serial.seconds : 0).toFixed(2)}×`,
        `${floor.maxRssMb.toFixed(0)} MiB`,
        `${audit.maxRssMb.toFixed(0)} MiB`,
      ]);
      log(`  ${label}: floor ${floor.seconds.toFixed(2)} s, log-audit one thread ${serial.seconds.toFixed(2)} s, with workers ${audit.seconds.toFixed(2)} s (${audit.lines} lines)`);
      // The function's path, for the same bytes.
      const objectName = variant.split('/').pop()!;
      const generation = gcs.put('bench-logs', objectName, await readFile(variant));
      gcs.prepare('bench-logs', objectName);
      const fn = await child(['--import', 'tsx', '--input-type=module', '-e', FUNCTION_PATH, baselines, 'bench-logs', objectName, String(generation)], { STORAGE_EMULATOR_HOST: emulator });
      gcs.remove('bench-logs', objectName);
      const perSecond = shard.bytes / fn.seconds;
      functionRows.push([label, `${(perSecond / 1e6).toFixed(0)} MB/s`, `${fn.maxRssMb.toFixed(0)} MiB`, `${((3.5 * 1024 ** 3) / perSecond).toFixed(0)} s`, `${((perSecond * 3600) / 1024 ** 3).toFixed(0)} GiB`]);
      log(`  ${label}: function path (loopback GCS, one thread) ${fn.seconds.toFixed(2)} s`);
    }
    if (kind === 'flows') {
      // Memory's worst case, against the same baselines: a shard of the same size flooded with one-off sources.
      const flood = join(dir, 'flows-flood.json');
      const shardOfFlood = await writeExport(flood, floodGenerator(11, '2026-11-24T03'), size);
      const mb = shardOfFlood.bytes / 1e6;
      const serial = await child(['--input-type=module', '-e', AUDIT, baselines, flood, '0']);
      const audit = await child(['--input-type=module', '-e', AUDIT, baselines, flood, 'auto']);
      const generation = gcs.put('bench-logs', 'flows-flood.json', await readFile(flood));
      gcs.prepare('bench-logs', 'flows-flood.json');
      const fn = await child(['--import', 'tsx', '--input-type=module', '-e', FUNCTION_PATH, baselines, 'bench-logs', 'flows-flood.json', String(generation)], { STORAGE_EMULATOR_HOST: emulator });
      gcs.remove('bench-logs', 'flows-flood.json');
      floodRows.push([
        `${(shardOfFlood.bytes / 1024 ** 3).toFixed(2)} GiB, ${(shardOfFlood.lines / 1e6).toFixed(2)} M lines`,
        `${(mb / serial.seconds).toFixed(0)} MB/s, ${serial.maxRssMb.toFixed(0)} MiB`,
        `${(mb / audit.seconds).toFixed(0)} MB/s, ${audit.maxRssMb.toFixed(0)} MiB`,
        `${(mb / fn.seconds).toFixed(0)} MB/s, ${fn.maxRssMb.toFixed(0)} MiB`,
        `${serial.findings}`,
      ]);
      log(`  flood: one thread ${serial.seconds.toFixed(2)} s, workers auto ${audit.seconds.toFixed(2)} s, function path ${fn.seconds.toFixed(2)} s`);
      await rm(flood, { force: true });
    }
  }
  await gcs.stop();

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
  imports.sort((a, b) => a - b);

  log(`\n${availableParallelism()} cores; "workers auto" = main thread + ${Math.max(0, availableParallelism() - 1)} worker(s) for uncompressed files of 512 MiB or more (smaller ones, and gzip, are scanned on the main thread).`);
  log('| input | size | log-audit, one thread (speed, peak RSS) | hand-written floor | log-audit, workers auto | lines/s | speed-up vs floor (workers auto) | speed-up, one thread | floor peak RSS | log-audit peak RSS |');
  log('|---|---|---|---|---|---|---|---|---|---|');
  for (const row of rows) log(`| ${row.join(' | ')} |`);
  log('\nThe function\'s path (auditObject over @google-cloud/storage from the loopback GCS server, one thread, checksums validated):');
  log('| input | speed | peak RSS | a 3.5 GiB shard takes | GiB per hour per instance |');
  log('|---|---|---|---|---|');
  for (const row of functionRows) log(`| ${row.join(' | ')} |`);
  if (floodRows.length > 0) {
    log('\nA flood of one-off sources to one baselined target (every line a new source; the caps bound memory):');
    log('| shard | log-audit, one thread | log-audit, workers auto | function path | findings |');
    log('|---|---|---|---|---|');
    for (const row of floodRows) log(`| ${row.join(' | ')} |`);
  }
  log(`\nBundled function import (require of the deployed index.js, median of 7): ${imports[3]!.toFixed(0)} ms`);
  if (!values.keep && !values.dir) await rm(dir, { recursive: true, force: true });
}

await main();
