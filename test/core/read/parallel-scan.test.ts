/**
 * Scanning on worker threads gives exactly what a serial scan gives: counts, problems (with line
 * numbers), postgres.log joins across block boundaries, and findings.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildScenario, DEFAULT_OPTIONS } from '../../../examples/scenario.js';
import { Learner } from '../../../functions/src/core/baseline/learn.js';
import { loadBaselines, writeLearned, type LoadedBaseline } from '../../../functions/src/core/baseline/store.js';
import { BatchAuditor } from '../../../functions/src/core/detect/auditor.js';
import { ENTRY_ID_LIMIT, groupKey, type AccessGroup } from '../../../functions/src/core/detect/access-group.js';
import type { Overflow } from '../../../functions/src/core/detect/detectors/tracking-overflow.js';
import { ScanWorkers, scanStreamParallel } from '../../../functions/src/core/read/parallel-scan.js';
import { emptyStats, ProblemLog, scanStream } from '../../../functions/src/core/read/scan.js';
import { scanFiles } from '../../../functions/src/core/read/scan-files.js';
import { chunked, repoRoot, withTempDir } from '../../support/fixtures.js';

let workers: ScanWorkers;
let input: Buffer;
let baselines: LoadedBaseline[] = [];
const now = () => Date.parse('2026-11-24T00:00:00Z');

beforeAll(async () => {
  workers = new ScanWorkers(join(repoRoot, 'functions/dist/scan-worker.js'), 2);
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
  await withTempDir(async (dir) => {
    const learner = new Learner();
    const stats = emptyStats();
    await scanStream('history', chunked(Buffer.from(lines.slice(0, lines.length / 3).join('\n')), 1 << 20), { stats, problems: new ProblemLog(), onEvent: (e) => learner.add(e), now });
    await writeLearned(dir, learner.result(), []);
    baselines = await loadBaselines(dir);
  });
}, 120_000);
afterAll(async () => workers.close());


/**
 * The auditor's groups by key. (Their order differs: a block's postgres.log halves are joined after
 * its groups are merged, so a joined connection's group can come later than in a serial scan.)
 */
function groupsOf(auditor: BatchAuditor): [string, AccessGroup][] {
  return auditor
    .groupsInOrder()
    .map((g): [string, AccessGroup] => [groupKey(g), g])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Chunks that own their memory (as a file read gives them), so blocks go to workers uncopied. With
 * `io`, each comes after a turn of the event loop, as a real read's does: workers' results are
 * received (and merged) while the scan goes on, not only when it must wait for one.
 */
async function* ownedChunks(buf: Buffer, size: number, io = false): AsyncGenerator<Buffer> {
  for (let at = 0; at < buf.length; at += size) {
    if (io) await new Promise((resolve) => setImmediate(resolve));
    yield Buffer.from(buf.subarray(at, at + size));
  }
}

describe('parallel scan', () => {
  const serialScan = async (bytes: Buffer) => {
    const serial = { stats: emptyStats(), problems: new ProblemLog(), auditor: new BatchAuditor(baselines, { now: now() }) };
    await scanStream('batch.json', chunked(bytes), { stats: serial.stats, problems: serial.problems, onEvent: (e) => serial.auditor.add(e), now });
    return serial;
  };
  const parallelScan = async (chunks: AsyncIterable<Buffer>) => {
    const parallel = { stats: emptyStats(), problems: new ProblemLog(), auditor: new BatchAuditor(baselines, { now: now() }) };
    await scanStreamParallel('batch.json', chunks, {
      workers,
      stats: parallel.stats,
      problems: parallel.problems,
      auditor: parallel.auditor,
      onEvent: (e) => parallel.auditor.add(e),
      now,
    });
    return parallel;
  };

  it('equals the serial scan: counts, problems and findings', async () => {
    expect(input.length).toBeGreaterThan(9 * 1024 * 1024); // several 4 MiB blocks
    const serial = await serialScan(input);
    // Small chunks (gathered into blocks, lines joined across chunks) and large owned chunks (handed
    // to workers without a copy), which also cut the oversized line across chunks.
    for (const chunks of [chunked(input, 300_000), ownedChunks(input, 3 * 1024 * 1024 + 17)]) {
      const parallel = await parallelScan(chunks);
      expect(parallel.stats).toEqual(serial.stats);
      expect(serial.stats.bad).toBeGreaterThan(10);
      expect(parallel.problems.list()).toEqual(serial.problems.list());
      const findings = serial.auditor.findings();
      expect(findings.length).toBeGreaterThan(0);
      expect(parallel.auditor.findings()).toEqual(findings);
      // The groups themselves: sources (postgres.log halves joined across threads), counts, samples,
      // entry ids — a thread's block does not collect the ids of a group that one of its earlier
      // blocks already gave all of them (CompleteEntryIds), and nothing may be lost by that.
      expect(serial.auditor.groupsInOrder().filter((g) => g.entryIds.length === ENTRY_ID_LIMIT).length).toBeGreaterThan(5);
      expect(groupsOf(parallel.auditor)).toEqual(groupsOf(serial.auditor));
    }
  });

  it('keeps the groups a serial scan keeps when a cap is reached: groups and joined connections merge in line order', async () => {
    // The scenario's postgres target has 340 groups, most of joined postgres.log connections.
    const caps = { now: now(), maxGroupsPerTarget: 100 };
    const serial = new BatchAuditor(baselines, caps);
    await scanStream('batch.json', chunked(input), { stats: emptyStats(), problems: new ProblemLog(), onEvent: (e) => serial.add(e), now });
    expect(serial.findings().filter((f) => f.type === 'tracking-overflow').map((f) => f.target)).toEqual(['acme-prod:orders-pg']);
    for (const chunks of [chunked(input, 300_000), ownedChunks(input, 3 * 1024 * 1024 + 17), ownedChunks(input, 4 * 1024 * 1024, true)]) {
      const auditor = new BatchAuditor(baselines, caps);
      await scanStreamParallel('batch.json', chunks, { workers, stats: emptyStats(), problems: new ProblemLog(), auditor, onEvent: (e) => auditor.add(e), now });
      expect(auditor.findings()).toEqual(serial.findings());
      expect(groupsOf(auditor)).toEqual(groupsOf(serial));
    }
  });

  it('counts a flood to a capped target on the workers once the target is closed, and equals the serial scan', async () => {
    // 60,000 flows from distinct addresses to one destination (~20 blocks of ~2 MiB), the
    // scenario's lines around them.
    const flow = JSON.parse(input.toString('utf8').split('\n').find((l) => l.includes('"dest_port":6379'))!) as { jsonPayload: { connection: { src_ip: string } } & Record<string, unknown>; insertId: string };
    // Sources known by their address alone (no GKE or VPC details).
    for (const key of Object.keys(flow.jsonPayload)) if (key.startsWith('src_')) delete flow.jsonPayload[key];
    const flood = Array.from({ length: 60_000 }, (_, i) => {
      flow.jsonPayload.connection.src_ip = `203.0.${i >> 8}.${i & 255}`;
      flow.insertId = `flood-${i}`;
      return JSON.stringify(flow);
    });
    const bytes = Buffer.concat([input, Buffer.from(`${flood.join('\n')}\n`), input]);
    // A cap the scenario's postgres target reaches too (340 groups, most of joined connections):
    // which it keeps depends on merging groups and joins in line order.
    const caps = { now: now(), maxGroupsPerTarget: 100 };
    const serial = new BatchAuditor(baselines, caps);
    const serialStats = emptyStats();
    await scanStream('batch.json', chunked(bytes), { stats: serialStats, problems: new ProblemLog(), onEvent: (e) => serial.add(e), now });
    const auditor = new BatchAuditor(baselines, caps);
    let merged = 0;
    const counting = { closed: auditor.closed, mergeGroup: (g: AccessGroup) => (merged++, auditor.mergeGroup(g)), mergeOverflow: (o: Overflow) => auditor.mergeOverflow(o) };
    const stats = emptyStats();
    await scanStreamParallel('batch.json', ownedChunks(bytes, 2 * 1024 * 1024 + 1, true), { workers, stats, problems: new ProblemLog(), auditor: counting, onEvent: (e) => auditor.add(e), now });
    expect(stats).toEqual(serialStats);
    expect(auditor.findings()).toEqual(serial.findings());
    expect(groupsOf(auditor)).toEqual(groupsOf(serial));
    const overflow = serial.findings().filter((f) => f.type === 'tracking-overflow');
    expect(overflow.map((f) => f.target).sort()).toEqual(['10.120.0.4:6379', 'acme-prod:orders-pg']);
    expect(overflow.reduce((n, f) => n + f.count, 0)).toBeGreaterThan(55_000);
    // Blocks handed out after the close return no group per flooding address. (Those in flight when
    // it closed — up to 2 per worker and 8 scanned here — still do.) Without the close: 60,000.
    expect(merged).toBeLessThan(35_000);
  });

  it('equals the serial scan from a file read into pooled buffers (scanFiles), plain and gzipped', async () => {
    const bytes = Buffer.concat([input, input.subarray(3)]); // the second copy without its BOM
    const serial = await serialScan(bytes);
    await withTempDir(async (dir) => {
      // Over 4 chunks of 4 MiB, each a block of its own whose memory is read into again once a worker
      // (or this thread) is done with it; the gzipped copy is read through gunzip, no pool.
      expect(bytes.length).toBeGreaterThan(4 * 4 * 1024 * 1024);
      await writeFile(join(dir, 'batch.json'), bytes);
      await writeFile(join(dir, 'batch.json.gz'), gzipSync(bytes));
      for (const name of ['batch.json', 'batch.json.gz']) {
        const auditor = new BatchAuditor(baselines, { now: now() });
        const scan = await scanFiles([join(dir, name)], { onEvent: (e) => auditor.add(e), now, parallel: { workers: () => workers, auditor, minBytes: 0 } });
        // The same file name as the serial scan's in problems and refs.
        const named = <T>(x: T): T => JSON.parse(JSON.stringify(x).replaceAll(join(dir, name), 'batch.json')) as T;
        expect(scan.stats).toEqual({ ...serial.stats, files: 1 });
        expect(named(scan.problems.list())).toEqual(serial.problems.list());
        expect(named(auditor.findings())).toEqual(serial.auditor.findings());
        expect(named(groupsOf(auditor).map(([key, g]) => [key, { ...g, actions: [...g.actions], resources: [...g.resources], userAgents: [...g.userAgents], failureDetails: [...g.failureDetails] }]))).toEqual(
          groupsOf(serial.auditor).map(([key, g]) => [key, { ...g, actions: [...g.actions], resources: [...g.resources], userAgents: [...g.userAgents], failureDetails: [...g.failureDetails] }]),
        );
      }
    });
  });

  it('equals the serial scan when the last line has no newline and lines cross every chunk', async () => {
    const bytes = input.subarray(0, input.length - 1); // no final newline
    const serial = await serialScan(bytes);
    const parallel = await parallelScan(ownedChunks(bytes, 1024 * 1024 + 1));
    expect(parallel.stats).toEqual(serial.stats);
    expect(parallel.problems.list()).toEqual(serial.problems.list());
    expect(parallel.auditor.findings()).toEqual(serial.auditor.findings());
    expect(groupsOf(parallel.auditor)).toEqual(groupsOf(serial.auditor));
  });
});
