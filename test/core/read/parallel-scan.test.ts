/**
 * Scanning a file in byte ranges on worker threads gives exactly what a serial scan gives: counts,
 * problems (with line numbers), postgres.log joins across range boundaries, groups and findings,
 * whatever the ranges' sizes and wherever they cut the lines.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildScenario, DEFAULT_OPTIONS } from '../../../examples/scenario.js';
import { Learner } from '../../../functions/src/core/baseline/learn.js';
import { loadBaselines, writeLearned, type LoadedBaseline } from '../../../functions/src/core/baseline/store.js';
import { BatchAuditor, type RangeMerger } from '../../../functions/src/core/detect/auditor.js';
import { CompleteEntryIds, ENTRY_ID_LIMIT, groupKey, type AccessGroup } from '../../../functions/src/core/detect/access-group.js';
import { ScanWorkers, scanFileParallel } from '../../../functions/src/core/read/parallel-scan.js';
import { emptyStats, ProblemLog, scanStream } from '../../../functions/src/core/read/scan.js';
import { hasParallelFile, scanFiles } from '../../../functions/src/core/read/scan-files.js';
import { scanRange } from '../../../functions/src/core/read/scan-range.js';
import { chunked, repoRoot, withTempDir } from '../../support/fixtures.js';

let workers: ScanWorkers;
let input: Buffer;
let baselines: LoadedBaseline[] = [];
/** Where the inputs are written (serial and parallel scans name the same path in problems and refs). */
let dir: string;
const now = () => Date.parse('2026-11-24T00:00:00Z');

beforeAll(async () => {
  workers = new ScanWorkers(join(repoRoot, 'functions/dist/scan-worker.js'), 2);
  dir = await mkdtemp(join(tmpdir(), 'log-audit-parallel-'));
  const { files } = buildScenario({ ...DEFAULT_OPTIONS, historyDays: 2, perHour: 30, gzipOldHistory: false });
  const lines = files.flatMap((f) => (f.path.endsWith('.gz') ? gunzipSync(f.content) : f.content).toString('utf8').split('\n').filter(Boolean));
  // Hostile lines scattered through: bad JSON, unknown types, an oversized line, CRLF, blank lines.
  const mixed: string[] = [];
  lines.forEach((line, i) => {
    mixed.push(i % 97 === 0 ? `${line}\r` : line);
    if (i % 211 === 0) mixed.push('{"broken":');
    if (i % 307 === 0) mixed.push('{"protoPayload":{"@type":"type.googleapis.com/Other"}}');
    if (i % 401 === 0) mixed.push('');
    if (i === 5000) mixed.push(`{"textPayload":"${'x'.repeat(5 * 1024 * 1024)}"}`);
  });
  input = Buffer.from(`\ufeff${mixed.join('\n')}\n`);
  await withTempDir(async (history) => {
    const learner = new Learner();
    const stats = emptyStats();
    await scanStream('history', chunked(Buffer.from(lines.slice(0, lines.length / 3).join('\n')), 1 << 20), { stats, problems: new ProblemLog(), onEvent: (e) => learner.add(e), now });
    await writeLearned(history, learner.result(), []);
    baselines = await loadBaselines(history);
  });
}, 120_000);
afterAll(async () => {
  await workers.close();
  await rm(dir, { recursive: true, force: true });
});

/** The auditor's groups by key, with their sample sets as arrays (so toEqual compares them). */
function groupsOf(auditor: BatchAuditor): [string, unknown][] {
  return auditor
    .groupsInOrder()
    .map((g): [string, unknown] => [groupKey(g), { ...g, actions: [...g.actions], resources: [...g.resources], userAgents: [...g.userAgents], failureDetails: [...g.failureDetails] }])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

let files = 0;
/** Writes `bytes` to a new file of the suite's directory. */
async function fileOf(bytes: Buffer): Promise<string> {
  const file = join(dir, `batch-${files++}.json`);
  await writeFile(file, bytes);
  return file;
}

/** The batch's auditor as the ranges' merger, showing `onMerge` each range group before it is merged. */
function watching(auditor: BatchAuditor, onMerge: (group: AccessGroup) => unknown): RangeMerger {
  return {
    closed: auditor.closed,
    flowAliasPairs: auditor.flowAliasPairs,
    hasGroup: (g) => auditor.hasGroup(g),
    entryIdsComplete: (g) => auditor.entryIdsComplete(g),
    mergeGroup: (g) => (onMerge(g), auditor.mergeGroup(g)),
    mergeOverflow: (o) => auditor.mergeOverflow(o),
  };
}

type Caps = { maxGroupsPerTarget?: number; maxLineBytes?: number };

async function serialScan(file: string, bytes: Buffer, caps: Caps = {}) {
  const serial = { stats: emptyStats(), problems: new ProblemLog(), auditor: new BatchAuditor(baselines, { now: now(), ...caps }) };
  await scanStream(file, chunked(bytes), { stats: serial.stats, problems: serial.problems, onEvent: (e) => serial.auditor.add(e), now, ...(caps.maxLineBytes ? { maxLineBytes: caps.maxLineBytes } : {}) });
  return serial;
}

/** A scan's outcome equals the serial scan's: counts, problems (with line numbers), findings and every group. */
function expectAsSerial(serial: Awaited<ReturnType<typeof serialScan>>, scan: Awaited<ReturnType<typeof serialScan>>): void {
  expect(scan.stats).toEqual(serial.stats);
  expect(scan.problems.list()).toEqual(serial.problems.list());
  expect(scan.auditor.findings()).toEqual(serial.auditor.findings());
  expect(groupsOf(scan.auditor)).toEqual(groupsOf(serial.auditor));
}

async function parallelScan(file: string, ranges: { rangeBytes?: number; maxRangeGroups?: number; reshippedGroups?: number }, caps: Caps = {}) {
  const parallel = { stats: emptyStats(), problems: new ProblemLog(), auditor: new BatchAuditor(baselines, { now: now(), ...caps }), bytes: 0, rangedBytes: 0, mergedGroups: 0 };
  const auditor = parallel.auditor;
  ({ rangedBytes: parallel.rangedBytes } = await scanFileParallel(file, {
    workers,
    stats: parallel.stats,
    problems: parallel.problems,
    auditor: watching(auditor, () => parallel.mergedGroups++),
    onEvent: (e) => parallel.auditor.add(e),
    onBytes: (n) => (parallel.bytes += n),
    now,
    ...ranges,
    ...(caps.maxLineBytes ? { maxLineBytes: caps.maxLineBytes } : {}),
  }));
  return parallel;
}

describe('parallel scan', () => {
  it('equals the serial scan: counts, problems, groups and findings, wherever ranges cut the lines', async () => {
    expect(input.length).toBeGreaterThan(9 * 1024 * 1024); // many ranges
    const file = await fileOf(input);
    const serial = await serialScan(file, input);
    expect(serial.stats.bad).toBeGreaterThan(10);
    const findings = serial.auditor.findings();
    expect(findings.length).toBeGreaterThan(0);
    // Entry ids: a thread's range does not collect the ids of a group that one of its earlier
    // ranges already gave all of them (CompleteEntryIds), and nothing may be lost by that.
    expect(serial.auditor.groupsInOrder().filter((g) => g.entryIds.length === ENTRY_ID_LIMIT).length).toBeGreaterThan(5);
    // Small ranges (~35 of them: lines, CRLF ends and the BOM cut at their edges, the 5 MiB line
    // longer than a read and over the limit), odd ones, and the default (one range here).
    for (const rangeBytes of [300_000, 1024 * 1024 + 17, 65_537, undefined]) {
      const parallel = await parallelScan(file, rangeBytes ? { rangeBytes } : {});
      expect(parallel.stats).toEqual(serial.stats);
      expect(parallel.bytes).toBe(input.length);
      expect(parallel.problems.list()).toEqual(serial.problems.list());
      expect(parallel.auditor.findings()).toEqual(findings);
      expect(groupsOf(parallel.auditor)).toEqual(groupsOf(serial.auditor));
    }
  });

  it('reads a range that rebuilds the batch\'s groups again on one thread, not merged, and the rest there too; still equals the serial scan', async () => {
    const file = await fileOf(input);
    const serial = await serialScan(file, input);
    const findings = serial.auditor.findings();
    const firstRangeGroups = async (rangeBytes: number) =>
      (await scanRange({ file, start: 0, end: rangeBytes, latestPlausibleMs: now() + 86_400_000, maxLineBytes: 4 * 1024 * 1024, fastPath: true, scan: -1, maxGroups: 4_000, flowAliases: new BatchAuditor(baselines, { now: now() }).flowAliasPairs })).groups.length;
    // The first range is merged into the empty batch; every range after it meets more than 3 of its
    // groups, so none is merged: each is read again here, and so is the rest of the file.
    for (const rangeBytes of [300_000, 65_537]) {
      const parallel = await parallelScan(file, { rangeBytes, reshippedGroups: 3 });
      // Only the first range's groups are merged. A range out at a worker when ranges stop may end
      // before its first line (stop) and is merged then, with no group: its bytes count as ranged.
      expect(parallel.mergedGroups).toBe(await firstRangeGroups(rangeBytes));
      expect(parallel.rangedBytes).toBeGreaterThanOrEqual(rangeBytes);
      expect(parallel.rangedBytes).toBeLessThan(2 * rangeBytes);
      expect(parallel.stats).toEqual(serial.stats);
      expect(parallel.bytes).toBe(input.length);
      expect(parallel.problems.list()).toEqual(serial.problems.list());
      expect(parallel.auditor.findings()).toEqual(findings);
      expect(groupsOf(parallel.auditor)).toEqual(groupsOf(serial.auditor));
    }
    // By default, every range is merged.
    const ranged = await parallelScan(file, { rangeBytes: 300_000 });
    expect(ranged.rangedBytes).toBe(input.length);
    expect(ranged.mergedGroups).toBeGreaterThan(await firstRangeGroups(300_000));
  });

  it('stops collecting, in later ranges, the entry ids of groups whose batch group is quiet or full', async () => {
    const file = await fileOf(input);
    const serial = await serialScan(file, input);
    const auditor = new BatchAuditor(baselines, { now: now() });
    // Ids a range shipped for a group whose batch group already took no more: collected for nothing.
    let wasted = 0;
    let shipped = 0;
    const counting = watching(auditor, (g) => {
      shipped += g.entryIds.length;
      if (auditor.entryIdsComplete(g)) wasted += g.entryIds.length;
    });
    const stats = emptyStats();
    await scanFileParallel(file, { workers, stats, problems: new ProblemLog(), auditor: counting, onEvent: (e) => auditor.add(e), now, rangeBytes: 300_000 });
    expect(stats).toEqual(serial.stats);
    expect(auditor.findings()).toEqual(serial.auditor.findings());
    expect(groupsOf(auditor)).toEqual(groupsOf(serial.auditor));
    // Ids were shipped and used: the first range's groups merge into an empty batch, so the bound
    // below is not met by shipping none.
    expect(shipped).toBeGreaterThan(wasted);
    // Only ranges handed out before the merge that completed a group still carry its ids (up to
    // four per thread are out at once): 574-702 of 1,220-1,348 shipped in five runs, against 2,422
    // of 3,068 with the merge telling no thread.
    expect(wasted).toBeLessThan(1_500);
  });

  it('a range collects no entry ids for keys noted complete before its start, and still does for the rest', async () => {
    const file = await fileOf(input);
    const task = { file, start: 1024 * 1024, end: 3 * 1024 * 1024, latestPlausibleMs: now() + 86_400_000, maxLineBytes: 4 * 1024 * 1024, fastPath: true, scan: -1, maxGroups: Number.POSITIVE_INFINITY, flowAliases: [] };
    const plain = await scanRange(task);
    const collecting = plain.groups.filter((g) => g.entryIds.length > 0);
    expect(collecting.length).toBeGreaterThan(4);
    const complete = collecting.slice(0, Math.floor(collecting.length / 2)).map((g) => groupKey(g));
    // Noted from a range before this one: skipped here.
    const before = new CompleteEntryIds();
    before.noteKeys(complete, task.start - 1);
    const skipped = await scanRange(task, { completeEntryIds: before });
    const completeKeys = new Set(complete);
    const plainIds = new Map(plain.groups.map((g) => [groupKey(g), g.entryIds.length]));
    for (const group of skipped.groups) {
      const key = groupKey(group);
      // No ids exactly where the key was noted, or where the plain scan had none either.
      expect(group.entryIds.length === 0, key).toBe(completeKeys.has(key) || plainIds.get(key) === 0);
    }
    // Noted from this range's start or later (not yet merged when this range began): collected.
    const after = new CompleteEntryIds();
    after.noteKeys(complete, task.start);
    expect((await scanRange(task, { completeEntryIds: after })).groups).toEqual(plain.groups);
  });

  it('equals the serial scan for tiny ranges, cutting at any byte (BOM, CRLF, blank lines, no final newline)', async () => {
    // A dozen lines of the scenario's, with the awkward bytes a cut can fall between.
    const some = input.toString('utf8').slice(1).split('\n').slice(0, 12);
    const text = `\ufeff${some[0]}\r\n\n${some.slice(1, 6).join('\r\n')}\n{"broken":\n\n\n${some.slice(6).join('\n')}`;
    const bytes = Buffer.from(text);
    const file = await fileOf(bytes);
    const serial = await serialScan(file, bytes);
    expect(serial.stats.lines).toBe(16);
    const findings = serial.auditor.findings();
    // A range of 1 byte starts at every byte of the file: in the BOM, between \r and \n, at a line's start.
    for (const rangeBytes of [1, 2, 3, 5, 7, 11, 64, 97, 500, 1_001, bytes.length - 1]) {
      const parallel = await parallelScan(file, { rangeBytes });
      expect(parallel.stats, `ranges of ${rangeBytes} bytes`).toEqual(serial.stats);
      expect(parallel.bytes).toBe(bytes.length);
      expect(parallel.problems.list()).toEqual(serial.problems.list());
      expect(parallel.auditor.findings()).toEqual(findings);
      expect(groupsOf(parallel.auditor)).toEqual(groupsOf(serial.auditor));
    }
  });

  it('scans a line longer than a read (2 MiB) but within the limit, and one past the end of its range', async () => {
    const file = await fileOf(input);
    const caps = { maxLineBytes: 8 * 1024 * 1024 };
    const serial = await serialScan(file, input, caps);
    // The 5 MiB line is read whole, once, by the range it starts in.
    expect(serial.problems.list().some((p) => p.message.includes('over the'))).toBe(false);
    const parallel = await parallelScan(file, { rangeBytes: 1024 * 1024 }, caps);
    expect(parallel.stats).toEqual(serial.stats);
    expect(parallel.problems.list()).toEqual(serial.problems.list());
    expect(groupsOf(parallel.auditor)).toEqual(groupsOf(serial.auditor));
  });

  it('keeps the groups a serial scan keeps when a cap is reached: groups and joined connections merge in line order', async () => {
    // The scenario's postgres target has 340 groups, most of joined postgres.log connections.
    const file = await fileOf(input);
    const caps = { maxGroupsPerTarget: 100 };
    const serial = await serialScan(file, input, caps);
    expect(serial.auditor.findings().filter((f) => f.type === 'tracking-overflow').map((f) => f.target)).toEqual(['acme-prod:orders-pg']);
    for (const rangeBytes of [300_000, 3 * 1024 * 1024 + 17]) {
      const parallel = await parallelScan(file, { rangeBytes }, caps);
      expect(parallel.auditor.findings()).toEqual(serial.auditor.findings());
      expect(groupsOf(parallel.auditor)).toEqual(groupsOf(serial.auditor));
    }
  });

  it('names flow records without VPC metadata as the batch auditor does, in every range: the flood is still capped', async () => {
    // The Redis baseline is named within its network (learn folds the scenario's metadata-less
    // records into it); the flood's records carry no VPC metadata.
    const learned = baselines;
    expect(learned.map((b) => b.baseline.target)).toContain('acme-prod/prod-vpc/10.120.0.4:6379');
    expect(learned.map((b) => b.baseline.target)).not.toContain('10.120.0.4:6379');
    try {
      const flow = JSON.parse(input.toString('utf8').split('\n').find((l) => l.includes('"dest_port":6379'))!) as { jsonPayload: { connection: { src_ip: string } } & Record<string, unknown>; insertId: string };
      for (const key of Object.keys(flow.jsonPayload)) if (key.startsWith('src_') || key.startsWith('dest_')) delete flow.jsonPayload[key];
      const flood = Array.from({ length: 20_000 }, (_, i) => {
        flow.jsonPayload.connection.src_ip = `203.0.${i >> 8}.${i & 255}`;
        flow.insertId = `flood-${i}`;
        return JSON.stringify(flow);
      });
      const bytes = Buffer.from(`${flood.join('\n')}\n`);
      const file = await fileOf(bytes);
      const caps = { maxGroupsPerTarget: 100 };
      const serial = await serialScan(file, bytes, caps);
      expect(serial.auditor.findings().filter((f) => f.type === 'tracking-overflow').map((f) => f.target)).toEqual(['acme-prod/prod-vpc/10.120.0.4:6379']);
      const auditor = new BatchAuditor(baselines, { now: now(), ...caps });
      let floodGroups = 0;
      const counting = watching(auditor, () => floodGroups++);
      const stats = emptyStats();
      await scanFileParallel(file, { workers, stats, problems: new ProblemLog(), auditor: counting, onEvent: (e) => auditor.add(e), now, rangeBytes: 256 * 1024, maxRangeGroups: 1_000 });
      expect(stats).toEqual(serial.stats);
      expect(auditor.findings()).toEqual(serial.auditor.findings());
      expect(groupsOf(auditor)).toEqual(groupsOf(serial.auditor));
      // The ranges knew the target closed under the name the auditor gives it: only those out when
      // it closed return a group per address (at most 4 per thread, 3 threads), besides the 100 kept.
      const mostPerRange = Math.ceil((256 * 1024) / (flood[0]!.length + 1));
      expect(floodGroups).toBeLessThanOrEqual(100 + 4 * 3 * mostPerRange);
    } finally {
      baselines = learned;
    }
  });

  it('ends a range early in a flood, counts the flood where it is read once the target is closed, and equals the serial scan', async () => {
    // 60,000 flows from distinct addresses to one destination, the scenario's lines around them.
    const flow = JSON.parse(input.toString('utf8').split('\n').find((l) => l.includes('"dest_port":6379'))!) as { jsonPayload: { connection: { src_ip: string } } & Record<string, unknown>; insertId: string };
    // Sources known by their address alone (no GKE or VPC details).
    for (const key of Object.keys(flow.jsonPayload)) if (key.startsWith('src_')) delete flow.jsonPayload[key];
    const flood = Array.from({ length: 60_000 }, (_, i) => {
      flow.jsonPayload.connection.src_ip = `203.0.${i >> 8}.${i & 255}`;
      flow.insertId = `flood-${i}`;
      return JSON.stringify(flow);
    });
    const bytes = Buffer.concat([input, Buffer.from(`${flood.join('\n')}\n`), input]);
    const file = await fileOf(bytes);
    // A cap the scenario's postgres target reaches too (340 groups, most of joined connections):
    // which it keeps depends on merging groups and joins in line order.
    const caps = { maxGroupsPerTarget: 100 };
    const serial = await serialScan(file, bytes, caps);
    const overflow = serial.auditor.findings().filter((f) => f.type === 'tracking-overflow');
    expect(overflow.map((f) => f.target).sort()).toEqual(['acme-prod/prod-vpc/10.120.0.4:6379', 'acme-prod:orders-pg']);
    expect(overflow.reduce((n, f) => n + f.count, 0)).toBeGreaterThan(55_000);
    // 8 MiB ranges (four reads each) that end early at 1,000 groups, and 256 KiB ones.
    for (const rangeBytes of [8 * 1024 * 1024, 256 * 1024]) {
      const auditor = new BatchAuditor(baselines, { now: now(), ...caps });
      let floodGroups = 0;
      const counting = watching(auditor, (g) => g.source.key.startsWith('ip:203.0.') && floodGroups++);
      const stats = emptyStats();
      const problems = new ProblemLog();
      await scanFileParallel(file, { workers, stats, problems, auditor: counting, onEvent: (e) => auditor.add(e), now, rangeBytes, maxRangeGroups: 1_000 });
      expect(stats).toEqual(serial.stats);
      expect(problems.list()).toEqual(serial.problems.list());
      expect(auditor.findings()).toEqual(serial.auditor.findings());
      expect(groupsOf(auditor)).toEqual(groupsOf(serial.auditor));
      if (rangeBytes > 256 * 1024) continue;
      // Ranges handed out after the target closes return no group per flooding address (without
      // the close: 60,000). Those out when it closed still do: at most 4 per thread (3 threads),
      // each holding at most its 256 KiB of flood lines, besides the 100 the cap keeps.
      const mostPerRange = Math.ceil((256 * 1024) / (flood[0]!.length + 1));
      expect(floodGroups).toBeLessThanOrEqual(100 + 4 * 3 * mostPerRange);
    }

    // A range over the flood ends after the chunk that took it past its groups; the rest of it, from
    // where it stopped, holds the other lines.
    const start = input.length;
    const end = start + 8 * 1024 * 1024;
    const task = { file, start, end, latestPlausibleMs: now() + 86_400_000, maxLineBytes: 4 * 1024 * 1024, fastPath: true, scan: -1, maxGroups: 1_000, flowAliases: [] };
    const whole = await scanRange({ ...task, maxGroups: Number.POSITIVE_INFINITY });
    expect(whole.next).toBe(end);
    const first = await scanRange(task);
    expect(first.next).toBeGreaterThan(start);
    expect(first.next).toBeLessThan(end);
    expect(first.groups.length).toBeGreaterThanOrEqual(1_000);
    expect(first.groups.length).toBeLessThan(1_000 + 4_000); // one 2 MiB read of ~650-byte lines past it
    const rest = await scanRange({ ...task, start: first.next, maxGroups: Number.POSITIVE_INFINITY });
    expect(first.stats.lines + rest.stats.lines).toBe(whole.stats.lines);
    expect(first.bytes + rest.bytes).toBe(whole.bytes);
  });

  it('reads a later file of the batch again from its byte order mark when its first range rebuilds the batch\'s groups', async () => {
    expect(input.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const file = await fileOf(input);
    const serial = await serialScan(file, input);
    // The same file twice in one batch: the second time, its first range meets the groups of the first.
    const auditor = new BatchAuditor(baselines, { now: now() });
    let merged = 0;
    const counting = watching(auditor, () => merged++);
    for (const time of [1, 2]) {
      const stats = emptyStats();
      const problems = new ProblemLog();
      let bytes = 0;
      merged = 0;
      await scanFileParallel(file, { workers, stats, problems, auditor: counting, onEvent: (e) => auditor.add(e), onBytes: (n) => (bytes += n), now, rangeBytes: 300_000, reshippedGroups: 3 });
      // The first time, the first range's groups are merged into the empty batch; the second time, none.
      if (time === 1) expect(merged).toBeGreaterThan(3);
      else expect(merged).toBe(0);
      expect(stats).toEqual(serial.stats);
      expect(problems.list()).toEqual(serial.problems.list());
      expect(bytes).toBe(input.length);
    }
  });

  it('equals the serial scan through scanFiles, plain (in ranges) and gzipped (one thread)', async () => {
    const bytes = Buffer.concat([input, input.subarray(3)]); // the second copy without its BOM
    await withTempDir(async (tmp) => {
      for (const name of ['batch.json', 'batch.json.gz']) {
        const file = join(tmp, name);
        await writeFile(file, name.endsWith('.gz') ? gzipSync(bytes) : bytes);
        const serial = await serialScan(file, bytes);
        const auditor = new BatchAuditor(baselines, { now: now() });
        const scan = await scanFiles([file], { onEvent: (e) => auditor.add(e), now, parallel: { workers: () => workers, auditor, minBytes: 0 } });
        expect(scan.stats).toEqual({ ...serial.stats, files: 1 });
        expect(scan.problems.list()).toEqual(serial.problems.list());
        expect(auditor.findings()).toEqual(serial.auditor.findings());
        expect(groupsOf(auditor)).toEqual(groupsOf(serial.auditor));
      }
    });
  });

  it('knows before the scan whether a file will need the workers (plain and large enough; a file it cannot read does not)', async () => {
    await withTempDir(async (tmp) => {
      const plain = join(tmp, 'batch.json');
      const gzipped = join(tmp, 'batch.json.gz');
      await writeFile(plain, input);
      await writeFile(gzipped, gzipSync(input));
      const missing = join(tmp, 'gone.json');
      expect(await hasParallelFile([gzipped, missing, plain], input.length)).toBe(true);
      expect(await hasParallelFile([gzipped, missing, plain], input.length + 1)).toBe(false);
      expect(await hasParallelFile([gzipped, missing], 0)).toBe(false);
      expect(await hasParallelFile([], 0)).toBe(false);
    });
  });

  it('ends the workers\' threads once ranges stop paying, and starts them again for the next scan', async () => {
    const file = await fileOf(input);
    const serial = await serialScan(file, input);
    const pool = new ScanWorkers(join(repoRoot, 'functions/dist/scan-worker.js'), 2);
    try {
      const scanWith = async (ranges: { reshippedGroups?: number }) => {
        const auditor = new BatchAuditor(baselines, { now: now() });
        const stats = emptyStats();
        const result = await scanFileParallel(file, { workers: pool, stats, problems: new ProblemLog(), auditor, onEvent: (e) => auditor.add(e), now, rangeBytes: 300_000, ...ranges });
        expect(stats).toEqual(serial.stats);
        expect(auditor.findings()).toEqual(serial.auditor.findings());
        return result.rangedBytes;
      };
      expect(pool.running).toBe(2);
      // The rest read on this thread: no thread is left idle beside it.
      expect(await scanWith({ reshippedGroups: 3 })).toBeLessThan(input.length);
      expect(pool.running).toBe(0);
      // The next scan has its threads again, and merges every range.
      expect(await scanWith({})).toBe(input.length);
      expect(pool.running).toBe(2);
    } finally {
      await pool.close();
    }
    // A closed pool is not started again.
    pool.start();
    expect(pool.running).toBe(0);
  });

  it('scans on the main thread alone when the workers are gone, and again there the ranges of a worker lost mid-scan', async () => {
    const file = await fileOf(input);
    const serial = await serialScan(file, input);
    const script = join(repoRoot, 'functions/dist/scan-worker.js');
    const scanWith = async (pool: ScanWorkers) => {
      const auditor = new BatchAuditor(baselines, { now: now() });
      const stats = emptyStats();
      const problems = new ProblemLog();
      const failures: string[] = [];
      let bytes = 0;
      await scanFileParallel(file, { workers: pool, stats, problems, auditor, onEvent: (e) => auditor.add(e), onBytes: (n) => (bytes += n), onWorkerFailure: (m) => failures.push(m), now, rangeBytes: 300_000 });
      await pool.close();
      return { auditor, stats, problems, failures, bytes };
    };
    const expectSerial = (scan: Awaited<ReturnType<typeof scanWith>>) => {
      expectAsSerial(serial, scan);
      expect(scan.bytes).toBe(input.length);
    };
    // Stopped before the scan: no range is sent, none waits for an answer, nothing failed.
    const stopped = new ScanWorkers(script, 1);
    await stopped.close();
    const alone = await scanWith(stopped);
    expectSerial(alone);
    expect(alone.failures).toEqual([]);
    // Stopped as soon as a range is out (the worker is still starting): the scan neither hangs nor
    // fails; the lost ranges are scanned here, and the loss is told once.
    const lost = new ScanWorkers(script, 1);
    const run = lost.run.bind(lost);
    lost.run = (index, task) => {
      const answer = run(index, task);
      void lost.close();
      return answer;
    };
    const rescued = await scanWith(lost);
    expectSerial(rescued);
    expect(rescued.failures).toEqual([expect.stringMatching(/^a scan worker exited \(code \d+\)$/)]);
  });

  it('loses no line to workers whose threads die at their second range, or whose scan of one range throws', async () => {
    const file = await fileOf(input);
    const serial = await serialScan(file, input);
    const real = pathToFileURL(join(repoRoot, 'functions/dist/scan-worker.js')).href;
    // The real worker, but each thread fails at the second range it is sent: it exits, or it answers
    // that range with an error (before the real worker's answer, which then goes unheard).
    const failing = async (name: string, failure: string, at = 2) => {
      const script = join(dir, name);
      await writeFile(script, `import { parentPort } from 'node:worker_threads';\nlet ranges = 0;\nparentPort.on('message', (m) => { if ('id' in m && ++ranges === ${at}) { ${failure} } });\nawait import(${JSON.stringify(real)});\n`);
      return script;
    };
    const cases = [
      [await failing('dies.mjs', 'process.exit(7);'), 'a scan worker exited (code 7)'],
      [await failing('throws.mjs', "parentPort.postMessage({ id: m.id, error: 'range broke' });"), "a scan worker's range failed: range broke"],
    ] as const;
    for (const [script, message] of cases) {
      const pool = new ScanWorkers(script, 2);
      const auditor = new BatchAuditor(baselines, { now: now() });
      const stats = emptyStats();
      const problems = new ProblemLog();
      const failures: string[] = [];
      const sent = [0, 0];
      const run = pool.run.bind(pool);
      pool.run = (index, task) => (sent[index]!++, run(index, task));
      try {
        await scanFileParallel(file, { workers: pool, stats, problems, auditor, onEvent: (e) => auditor.add(e), onWorkerFailure: (m) => failures.push(m), now, rangeBytes: 300_000 });
      } finally {
        await pool.close();
      }
      // Each thread was sent a second range, and failed at it.
      expect(Math.min(...sent)).toBeGreaterThanOrEqual(2);
      expectAsSerial(serial, { stats, problems, auditor });
      // Told once, though both threads failed alike.
      expect(failures).toEqual([message]);
    }

    // Through scanFiles (as the CLI scans), which names the file: a thread dying at its first range.
    const bytes = Buffer.concat([input, input.subarray(3)]); // two default-sized ranges: the second goes to a worker
    const twice = await fileOf(bytes);
    const serialTwice = await serialScan(twice, bytes);
    const pool = new ScanWorkers(await failing('dies-first.mjs', 'process.exit(9);', 1), 1);
    const auditor = new BatchAuditor(baselines, { now: now() });
    const told: [string, string][] = [];
    try {
      const scan = await scanFiles([twice], { onEvent: (e) => auditor.add(e), now, parallel: { workers: () => pool, auditor, minBytes: 0, onWorkerFailure: (f, m) => told.push([f, m]) } });
      expect(scan.stats).toEqual({ ...serialTwice.stats, files: 1 });
      expect(scan.problems.list()).toEqual(serialTwice.problems.list());
    } finally {
      await pool.close();
    }
    expect(auditor.findings()).toEqual(serialTwice.auditor.findings());
    expect(told).toEqual([[twice, 'a scan worker exited (code 9)']]);
  });

  it('equals the serial scan when the last line has no newline, and for an empty file', async () => {
    const bytes = input.subarray(0, input.length - 1); // no final newline
    const file = await fileOf(bytes);
    const serial = await serialScan(file, bytes);
    const parallel = await parallelScan(file, { rangeBytes: 1024 * 1024 + 1 });
    expect(parallel.stats).toEqual(serial.stats);
    expect(parallel.problems.list()).toEqual(serial.problems.list());
    expect(parallel.auditor.findings()).toEqual(serial.auditor.findings());
    expect(groupsOf(parallel.auditor)).toEqual(groupsOf(serial.auditor));
    const empty = await parallelScan(await fileOf(Buffer.alloc(0)), {});
    expect(empty.stats).toEqual({ ...emptyStats(), files: 1 });
  });
});
