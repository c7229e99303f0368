/**
 * Evidence from every batch, on real parts: the handler (loopback GCS, real storage client) writes
 * one evidence summary per batch to the state bucket, and `log-audit learn gs://STATE/evidence/…`
 * (the real binary) learns from those summaries exactly the baselines `learn` writes from the
 * batches themselves.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evidenceOf, evidenceSchema, isEvidenceName } from '../../functions/src/core/evidence/summary.js';
import { BatchAuditor } from '../../functions/src/core/detect/auditor.js';
import type { AccessEvent } from '../../functions/src/core/access-event.js';
import { runCliAsync } from '../support/cli.js';
import { folderContents, repoRoot, walkFiles, withTempDir } from '../support/fixtures.js';
import { Pipeline, STATE_BUCKET } from '../support/pipeline.js';

const history = join(repoRoot, 'examples', 'history');

let p: Pipeline;
const outcomes: string[] = [];

beforeAll(async () => {
  p = await new Pipeline().start();
  // The examples' history, each object delivered to the function as its sink would have written it.
  const files = await walkFiles(history);
  const events: unknown[] = [];
  for (const file of files) {
    const [bucket, ...rest] = relative(history, file).split(sep);
    const name = rest.join('/');
    const data = await readFile(file);
    const generation = p.gcs.put(bucket!, name, data);
    const time = new Date(p.clock.now()).toISOString();
    events.push({ id: `h-${generation}-${name}`, type: 'google.cloud.storage.object.v1.finalized', time, data: { bucket, name, generation: String(generation), size: String(data.length), timeCreated: time } });
  }
  // Observed, not reported: no digest for these targets while they learn.
  const deps = p.deps({}, { LEARNING_DAYS: '14' });
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < events.length) outcomes.push((await p.deliver(events[next++], deps)).outcome);
    }),
  );
}, 120_000);
afterAll(async () => {
  await p.stop();
});

describe('evidence from every batch', () => {
  it('writes one small summary per audited batch, by day, source and batch', () => {
    const evidence = p.gcs.list(STATE_BUCKET, 'evidence/');
    expect(outcomes.every((o) => o === 'done')).toBe(true);
    expect(evidence.length).toBe(outcomes.length);
    for (const o of evidence) {
      expect(o.data.length).toBeLessThan(16 * 1024);
      expect(o.name).toMatch(/^evidence\/\d{4}\/\d{2}\/\d{2}\/logs\/acme-prod-[a-z-]+\/.+#\d+\.evidence\.json$/);
      expect(isEvidenceName(o.name)).toBe(true);
      expect(evidenceSchema.safeParse(JSON.parse(o.data.toString('utf8'))).success).toBe(true);
    }
  });

  it('learning from the evidence of the batches equals learning from the batches', async () => {
    await withTempDir(async (dir) => {
      const local = await runCliAsync(['learn', '--quiet', '--out', join(dir, 'from-exports'), history]);
      expect(local.status, local.stderr).toBe(0);
      const remote = await runCliAsync(['learn', '--quiet', '--out', join(dir, 'from-evidence'), `gs://${STATE_BUCKET}/evidence/`]);
      expect(remote.stderr).toBe('');
      expect(remote.status).toBe(0);
      expect(remote.stdout).toMatch(new RegExp(`^learned from ${outcomes.length} evidence summaries \\(of \\d+ lines\\) and 0 files`));
      const [a, b] = [await folderContents(join(dir, 'from-exports')), await folderContents(join(dir, 'from-evidence'))];
      expect(Object.keys(a).length).toBeGreaterThan(5);
      expect(b).toEqual(a);
      // The same count of successful accesses, from summaries instead of lines.
      expect(remote.stdout.match(/: (\d+) successful accesses to (\d+) targets/)?.slice(1)).toEqual(local.stdout.match(/: (\d+) successful accesses to (\d+) targets/)?.slice(1));
    });
  });

  it('learns one target with --target, and says when a named target had no evidence', async () => {
    await withTempDir(async (dir) => {
      const result = await runCliAsync(['learn', '--quiet', '--out', dir, '--target', 'gcs:acme-finance-reports', '--target', 'gcs:no-such-bucket', `gs://${STATE_BUCKET}/evidence/`]);
      expect(result.status).toBe(0);
      expect(result.stderr).toBe('log-audit: no successful access to gcs:no-such-bucket in what was read: nothing learned for it\n');
      expect(Object.keys(await folderContents(dir)).sort()).toEqual(['baseline.schema.json', 'gcs/acme-finance-reports.yaml']);
    });
  });

  it('learns a local evidence file the same way, and names a file that is not one', async () => {
    await withTempDir(async (dir) => {
      const [first] = p.gcs.list(STATE_BUCKET, 'evidence/');
      const { writeFile, mkdir } = await import('node:fs/promises');
      await mkdir(join(dir, 'in'));
      await writeFile(join(dir, 'in', 'a.evidence.json'), first!.data);
      await writeFile(join(dir, 'in', 'b.evidence.json'), '{"logAuditEvidence": 1, "batch": 5}');
      const result = await runCliAsync(['learn', '--out', join(dir, 'out'), join(dir, 'in')]);
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(/^learned from 1 evidence summaries/);
      expect(result.stderr).toMatch(/b\.evidence\.json.*not an evidence summary \(batch: /);
    });
  });
});

describe('evidence summaries are bounded', () => {
  const event = (i: number, outcome: AccessEvent['outcome'] = 'success'): AccessEvent => ({
    kind: 'gcs',
    target: 'b',
    source: { key: `ip:198.51.100.${i % 250}`, identities: [`ip:198.51.100.${i % 250}`], details: {} },
    credential: { key: `user${i}@example.com`, type: 'iam' },
    action: 'storage.objects.get',
    outcome,
    time: `2026-11-24T10:00:${String(i % 60).padStart(2, '0')}Z`,
    ref: { file: 'f', line: i + 1 },
  });

  it('keeps the most frequent entries per section and counts what it left out', () => {
    const auditor = new BatchAuditor([], { now: 0 });
    for (let i = 0; i < 30; i++) auditor.add(event(i));
    for (let i = 0; i < 5; i++) auditor.add(event(0)); // the first pair is the most frequent
    auditor.add(event(99, 'failure'));
    const [target] = evidenceOf(auditor.groupsInOrder(), [], { entriesPerSection: 10, totalEntries: 100 });
    expect(target!.credentials).toHaveLength(10);
    expect(target!.credentials.map((c) => c.match)).toContain('user0@example.com');
    expect(target!.credentials.find((c) => c.match === 'user0@example.com')?.count).toBe(6);
    expect(target!.dropped).toEqual({ sources: 20, credentials: 20, pairs: 20 });
    expect(target!.successes).toBe(35);
    expect(target!.failures).toBe(1);
    // A failure teaches nothing: its credential is in no section.
    expect(target!.credentials.map((c) => c.match)).not.toContain('user99@example.com');
  });

  it('grows with identities, not with lines', () => {
    const size = (lines: number) => {
      const auditor = new BatchAuditor([], { now: 0 });
      for (let i = 0; i < lines; i++) auditor.add(event(i % 3));
      return JSON.stringify(evidenceOf(auditor.groupsInOrder())).length;
    };
    // Only the counts' digits grow.
    expect(size(100_000) - size(30)).toBeLessThan(40);
    expect(size(100_000)).toBeLessThan(2_000);
  });

  it('stops at the total across targets', () => {
    const auditor = new BatchAuditor([], { now: 0 });
    for (let i = 0; i < 30; i++) auditor.add({ ...event(i), target: `t${i % 3}` });
    const targets = evidenceOf(auditor.groupsInOrder(), [], { entriesPerSection: 100, totalEntries: 25 });
    const kept = targets.reduce((n, t) => n + t.sources.length + t.credentials.length + t.pairs.length, 0);
    expect(kept).toBe(25);
    expect(targets.reduce((n, t) => n + (t.dropped ? t.dropped.sources + t.dropped.credentials + t.dropped.pairs : 0), 0)).toBe(30 * 3 - 25);
  });
});
